// JSON at the HTTP boundary (RapidJSON): parsing a request body into an object, reading typed
// fields while collecting every type error by field name, and small writing helpers.
#pragma once

#include "actors/problem.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::http::json {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Parses untrusted text into `doc` with integrations' bounded parser (iterative, UTF-8
/// validated, at most max_json_depth levels); false on any error.
bool parse_untrusted(const char* data, size_t size, rapidjson::Document& doc);

/// Parses `body` as a JSON object (an empty body counts as `{}`). Returns an `invalid_json`
/// problem for syntax errors and for anything but an object at the top level, and a
/// `validation_error` for nesting deeper than max_json_depth (64) levels.
actors::problem parse_object(const std::string& body, rapidjson::Document& out);

/// Reads fields of one object. API.md §0: no type coercion; wrong types are 400 with the field named.
class reader {
public:
  explicit reader(const rapidjson::Value& object) : object_(object) {}

  std::optional<std::string> string(const char* name, bool required);

  struct nullable_string {
    bool present = false;               ///< the key was sent
    std::optional<std::string> value;  ///< nullopt for JSON null
  };
  nullable_string string_or_null(const char* name);

  /// A JSON integer (not `true`, `1.5`, `"2"` or null).
  std::optional<int64_t> integer(const char* name, bool required);

  /// Money as minor units (kopecks): a JSON number or a decimal string with at most two
  /// decimals (API.md §0). More decimals, NaN/Inf or absurd magnitudes are errors.
  std::optional<int64_t> money(const char* name, bool required);

  /// A nested object, or nullptr (with an error if it is present but not an object).
  const rapidjson::Value* object(const char* name, bool required);
  /// A nested array, or nullptr (with an error if it is present but not an array).
  const rapidjson::Value* array(const char* name, bool required);

  void add_error(const std::string& field, std::string message) { errors_[field].push_back(std::move(message)); }
  bool ok() const { return errors_.empty(); }
  actors::problem problem() const { return actors::problem::validation(errors_); }

private:
  const rapidjson::Value* find(const char* name);
  const rapidjson::Value& object_;
  actors::field_errors errors_;
};

void write_string_or_null(writer& w, const std::optional<std::string>& s);

/// Minor units as a JSON number with two decimals: 12345 -> 123.45.
void write_money(writer& w, int64_t minor);

/// Writes one JSON object, one call per field: `f("id", o.id); f.money("total", o.total_minor);`.
/// The object opens on construction and closes on destruction. Explicit overloads (not a
/// template): a string literal must not convert to bool, nor a size to int.
class object_writer {
public:
  explicit object_writer(writer& w);
  ~object_writer();
  object_writer(const object_writer&) = delete;
  object_writer& operator=(const object_writer&) = delete;

  void operator()(const char* key, int32_t v);
  void operator()(const char* key, int64_t v);
  void operator()(const char* key, uint64_t v);
  void operator()(const char* key, bool v);
  void operator()(const char* key, const char* v);
  void operator()(const char* key, const std::string& v);
  void operator()(const char* key, std::string_view v);
  void operator()(const char* key, const std::optional<std::string>& v);  ///< null when empty
  void money(const char* key, int64_t minor);
  /// Text that is already a valid JSON object (a jsonb column), written as it is.
  void raw_object(const char* key, const std::string& json);
  /// Writes the key only; the caller writes its value (a nested object or array) through `w`.
  writer& key(const std::string& key);

private:
  writer& w_;
};

/// Parses a decimal text ("19.99", "20", "0.5") into minor units; nullopt if malformed, with
/// more than two decimals, or out of range.
std::optional<int64_t> parse_money_text(const std::string& text);

/// The body re-serialised with object keys sorted, so equal JSON compares equal whatever
/// the key order and white space (Idempotency-Key bodies, API.md §4). Iterative: its stack is
/// on the heap, whatever the nesting.
std::string canonical(const rapidjson::Value& v);

/// Renders one JSON text with a fresh writer: `render([&](writer& w) { ... })`.
template <class Fn>
std::string render(Fn fn) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  fn(w);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace commerce::http::json
