#include "http/json.hpp"

#include "http/errors.hpp"
#include "integrations/untrusted_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace commerce::http::json {

actors::problem parse_object(const std::string& body, rapidjson::Document& out) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    out.SetObject();
    return actors::problem::none();
  }
  auto parsed = integrations::parse_untrusted_json(body, out);
  if (parsed.too_deep())
    return actors::problem::validation({{"body", {parsed.message}}}, parsed.message);
  if (!parsed.ok())
    return actors::problem::of(error_code::invalid_json, parsed.message);
  if (!out.IsObject())
    return actors::problem::of(error_code::invalid_json, "the request body must be a JSON object");
  return actors::problem::none();
}

bool parse_untrusted(const char* data, size_t size, rapidjson::Document& doc) {
  return integrations::parse_untrusted_json({data, size}, doc).ok();
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
  std::string value{v->GetString(), v->GetStringLength()};
  if (value.find('\0') != std::string::npos) {  // PostgreSQL text cannot hold it: refuse, never truncate
    add_error(name, "must not contain NUL characters");
    return std::nullopt;
  }
  return value;
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
  if (out.value->find('\0') != std::string::npos) {
    add_error(name, "must not contain NUL characters");
    out.present = false;
    out.value.reset();
  }
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

std::optional<int64_t> reader::money(const char* name, bool required) {
  const auto* v = find(name);
  if (!v) {
    if (required)
      add_error(name, "this field is required");
    return std::nullopt;
  }
  std::optional<int64_t> minor;
  if (v->IsString()) {
    minor = parse_money_text(std::string{v->GetString(), v->GetStringLength()});
  } else if (v->IsInt64()) {
    if (std::llabs(v->GetInt64()) <= 1'000'000'000'000LL)
      minor = v->GetInt64() * 100;
  } else if (v->IsNumber()) {
    double scaled = v->GetDouble() * 100.0;
    double rounded = std::round(scaled);
    // 19.99 arrives as 19.989999...; a third decimal leaves a visible remainder.
    if (std::isfinite(scaled) && std::fabs(rounded) < 1e14 && std::fabs(scaled - rounded) < 1e-6)
      minor = static_cast<int64_t>(rounded);
  } else {
    add_error(name, "must be a number or a decimal string");
    return std::nullopt;
  }
  if (!minor)
    add_error(name, "must be an amount with at most 2 decimal places");
  return minor;
}

const rapidjson::Value* reader::object(const char* name, bool required) {
  const auto* v = find(name);
  if (!v || (v->IsNull() && !required)) {
    if (required)
      add_error(name, "this field is required");
    return nullptr;
  }
  if (!v->IsObject()) {
    add_error(name, "must be an object");
    return nullptr;
  }
  return v;
}

const rapidjson::Value* reader::array(const char* name, bool required) {
  const auto* v = find(name);
  if (!v || (v->IsNull() && !required)) {
    if (required)
      add_error(name, "this field is required");
    return nullptr;
  }
  if (!v->IsArray()) {
    add_error(name, "must be an array");
    return nullptr;
  }
  return v;
}

std::optional<int64_t> parse_money_text(const std::string& text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+'))
    negative = text[i++] == '-';
  int64_t whole = 0;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    whole = whole * 10 + (text[i++] - '0');
    if (++digits > 12)
      return std::nullopt;
  }
  int64_t cents = 0;
  size_t decimals = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (++decimals > 2)
        return std::nullopt;
      cents = cents * 10 + (text[i++] - '0');
    }
    if (decimals == 0)
      return std::nullopt;
  }
  if (i != text.size() || digits == 0)
    return std::nullopt;
  if (decimals == 1)
    cents *= 10;
  int64_t minor = whole * 100 + cents;
  return negative ? -minor : minor;
}

void write_money(writer& w, int64_t minor) {
  char buf[32];
  auto magnitude = minor < 0 ? -minor : minor;
  int n = std::snprintf(buf, sizeof buf, "%s%lld.%02lld", minor < 0 ? "-" : "",
                        static_cast<long long>(magnitude / 100), static_cast<long long>(magnitude % 100));
  w.RawValue(buf, static_cast<size_t>(n), rapidjson::kNumberType);
}

namespace {

/// One open container of canonical(): an object's members in key order, or an array.
struct open_container {
  const rapidjson::Value* value;
  std::vector<const rapidjson::Value::Member*> sorted_members;  ///< objects only
  size_t next = 0;                                              ///< next member or element
};

}  // namespace

std::string canonical(const rapidjson::Value& root) {
  // An explicit stack rather than recursion: parsing already bounds the depth, but this must
  // not depend on every caller having parsed with the bound.
  rapidjson::StringBuffer buf;
  writer w{buf};
  std::vector<open_container> stack;
  auto start = [&](const rapidjson::Value& v) {
    if (v.IsObject()) {
      open_container c{&v, {}, 0};
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
        c.sorted_members.push_back(&*it);
      std::sort(c.sorted_members.begin(), c.sorted_members.end(), [](auto* a, auto* b) {
        return std::string_view{a->name.GetString(), a->name.GetStringLength()} <
               std::string_view{b->name.GetString(), b->name.GetStringLength()};
      });
      w.StartObject();
      stack.push_back(std::move(c));
    } else if (v.IsArray()) {
      w.StartArray();
      stack.push_back(open_container{&v, {}, 0});
    } else {
      v.Accept(w);  // a scalar: no recursion
    }
  };
  start(root);
  while (!stack.empty()) {
    auto& top = stack.back();  // not used after start(), which may grow the stack
    if (top.value->IsObject()) {
      if (top.next == top.sorted_members.size()) {
        w.EndObject();
        stack.pop_back();
        continue;
      }
      const auto* member = top.sorted_members[top.next++];
      w.Key(member->name.GetString(), member->name.GetStringLength());
      start(member->value);
    } else {
      if (top.next == top.value->Size()) {
        w.EndArray();
        stack.pop_back();
        continue;
      }
      start((*top.value)[static_cast<rapidjson::SizeType>(top.next++)]);
    }
  }
  return {buf.GetString(), buf.GetSize()};
}

void write_string_or_null(writer& w, const std::optional<std::string>& s) {
  if (s)
    w.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
  else
    w.Null();
}

object_writer::object_writer(writer& w) : w_(w) { w_.StartObject(); }
object_writer::~object_writer() { w_.EndObject(); }

void object_writer::operator()(const char* key, int32_t v) {
  w_.Key(key);
  w_.Int(v);
}

void object_writer::operator()(const char* key, int64_t v) {
  w_.Key(key);
  w_.Int64(v);
}

void object_writer::operator()(const char* key, uint64_t v) {
  w_.Key(key);
  w_.Uint64(v);
}

void object_writer::operator()(const char* key, bool v) {
  w_.Key(key);
  w_.Bool(v);
}

void object_writer::operator()(const char* key, const char* v) {
  w_.Key(key);
  w_.String(v);
}

void object_writer::operator()(const char* key, const std::string& v) {
  w_.Key(key);
  w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void object_writer::operator()(const char* key, std::string_view v) {
  w_.Key(key);
  w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void object_writer::operator()(const char* key, const std::optional<std::string>& v) {
  w_.Key(key);
  write_string_or_null(w_, v);
}

void object_writer::money(const char* key, int64_t minor) {
  w_.Key(key);
  write_money(w_, minor);
}

void object_writer::raw_object(const char* key, const std::string& json) {
  w_.Key(key);
  w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

writer& object_writer::key(const std::string& key) {
  w_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  return w_;
}

}  // namespace commerce::http::json
