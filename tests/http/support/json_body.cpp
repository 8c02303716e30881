#include "tests/http/support/json_body.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace http_test {

std::string quote(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

json_value::json_value(double d) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.Double(d);
  text_ = buf.GetString();
}

json_value json_raw(std::string text) { return json_value{json_value::raw_text{}, std::move(text)}; }

namespace {
/// Inserts `item` before the closing bracket of `text` ("{}" or "[]" and filled ones alike).
void append_item(std::string& text, const std::string& item) {
  text.insert(text.size() - 1, text.size() > 2 ? "," + item : item);
}
}  // namespace

json_object::json_object(std::initializer_list<member> members) : json_object() {
  for (const auto& [key, value] : members)
    add(key, value);
}

json_object& json_object::add(const std::string& key, const json_value& value) {
  append_item(text_, quote(key) + ":" + value.text());
  return *this;
}

json_object& json_object::merge(const json_object& other) {
  if (other.text_.size() > 2)
    append_item(text_, other.text_.substr(1, other.text_.size() - 2));
  return *this;
}

json_array::json_array(std::initializer_list<json_value> items) : json_array() {
  for (const auto& item : items)
    add(item);
}

json_array::json_array(const std::vector<json_value>& items) : json_array() {
  for (const auto& item : items)
    add(item);
}

json_array& json_array::add(const json_value& item) {
  append_item(text_, item.text());
  return *this;
}

}  // namespace http_test
