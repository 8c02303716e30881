#include "tests/http/support/json_read.hpp"

#include <cmath>
#include <regex>

namespace http_test {

double number_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return std::nan("");
  auto m = v.FindMember(key);
  return m != v.MemberEnd() && m->value.IsNumber() ? m->value.GetDouble() : std::nan("");
}

std::optional<int64_t> int_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return std::nullopt;
  auto m = v.FindMember(key);
  if (m == v.MemberEnd() || !m->value.IsInt64())
    return std::nullopt;
  return m->value.GetInt64();
}

std::set<std::string> keys_of(const rapidjson::Value& v) {
  std::set<std::string> out;
  if (v.IsObject())
    for (const auto& m : v.GetObject())
      out.insert(m.name.GetString());
  return out;
}

std::string string_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return "<missing>";
  auto m = v.FindMember(key);
  return m != v.MemberEnd() && m->value.IsString() ? m->value.GetString() : "<missing>";
}

bool is_iso8601_utc(const std::string& text) {
  static const std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)"};
  return std::regex_match(text, iso);
}

bool is_uuid(const std::string& text) {
  static const std::regex uuid{R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"};
  return std::regex_match(text, uuid);
}

}  // namespace http_test
