#include "http/json.hpp"

#include <rapidjson/error/en.h>

namespace commerce::http::json {

actors::problem parse_object(const std::string& body, rapidjson::Document& out) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    out.SetObject();
    return actors::problem::none();
  }
  out.Parse(body.data(), body.size());
  if (out.HasParseError())
    return actors::problem::of("invalid_json", std::string{"malformed JSON: "} +
                                                 rapidjson::GetParseError_En(out.GetParseError()) + " at offset " +
                                                 std::to_string(out.GetErrorOffset()));
  if (!out.IsObject())
    return actors::problem::of("invalid_json", "the request body must be a JSON object");
  return actors::problem::none();
}

const rapidjson::Value* reader::find(const char* name) {
  auto it = object_.FindMember(name);
  return it == object_.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> reader::string(const char* name, bool required) {
  const auto* v = find(name);
  if (!v || (v->IsNull() && !required)) {
    if (required)
      add_error(name, "this field is required");
    return std::nullopt;
  }
  if (!v->IsString()) {
    add_error(name, "must be a string");
    return std::nullopt;
  }
  return std::string{v->GetString(), v->GetStringLength()};
}

reader::nullable_string reader::string_or_null(const char* name) {
  nullable_string out;
  const auto* v = find(name);
  if (!v)
    return out;
  out.present = true;
  if (v->IsNull())
    return out;
  if (!v->IsString()) {
    add_error(name, "must be a string or null");
    out.present = false;
    return out;
  }
  out.value = std::string{v->GetString(), v->GetStringLength()};
  return out;
}

std::optional<int64_t> reader::integer(const char* name, bool required) {
  const auto* v = find(name);
  if (!v) {
    if (required)
      add_error(name, "this field is required");
    return std::nullopt;
  }
  if (!v->IsInt64()) {
    add_error(name, "must be an integer");
    return std::nullopt;
  }
  return v->GetInt64();
}

void write_string_or_null(writer& w, const std::optional<std::string>& s) {
  if (s)
    w.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
  else
    w.Null();
}

}  // namespace commerce::http::json
