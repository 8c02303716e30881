// Test support: JSON text for request bodies and mock expectations, escaped by RapidJSON's
// Writer instead of by hand:
//   c.post("/api/auth/login/", json_object{{"email", email}, {"password", password}});
//   json_object{{"items", json_array{json_object{{"product_id", id}, {"quantity", 2}}}}}
// Bodies that test bad input on purpose (malformed JSON, wrong types) stay literal strings.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace http_test {

/// A JSON string literal (quoted and escaped) for building request bodies.
std::string quote(const std::string& s);

/// One JSON value, held as its text. Strings are quoted and escaped; numbers are written as
/// numbers; json_raw() inserts text as written.
class json_value {
public:
  json_value(std::nullptr_t) : text_("null") {}
  json_value(bool b) : text_(b ? "true" : "false") {}
  template <class Int, std::enable_if_t<std::is_integral<Int>::value && !std::is_same<Int, bool>::value &&
                                           !std::is_same<Int, char>::value, int> = 0>
  json_value(Int n) : text_(std::to_string(n)) {}
  json_value(double d);  ///< the shortest text that reads back as `d` (246.9, not 246.900000)
  json_value(const char* s) : text_(quote(s)) {}
  json_value(const std::string& s) : text_(quote(s)) {}

  const std::string& text() const { return text_; }
  operator const std::string&() const { return text_; }  ///< a body for client::post() and the like

protected:
  struct raw_text {};
  json_value(raw_text, std::string text) : text_(std::move(text)) {}
  std::string text_;

  friend json_value json_raw(std::string text);
};

/// JSON text inserted as written: a number spelt exactly as the test means it ("246.90"), a value
/// built elsewhere, or one that is wrong on purpose.
json_value json_raw(std::string text);

/// {"key":value,...} in the order given.
class json_object : public json_value {
public:
  using member = std::pair<std::string, json_value>;
  json_object() : json_value(raw_text{}, "{}") {}
  json_object(std::initializer_list<member> members);
  /// Appends a member (for members that only some bodies have).
  json_object& add(const std::string& key, const json_value& value);
  /// Appends every member of `other`.
  json_object& merge(const json_object& other);
};

/// [value,...] in the order given.
class json_array : public json_value {
public:
  json_array() : json_value(raw_text{}, "[]") {}
  json_array(std::initializer_list<json_value> items);
  explicit json_array(const std::vector<json_value>& items);
  json_array& add(const json_value& item);
};

}  // namespace http_test
