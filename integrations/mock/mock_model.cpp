#include "integrations/mock/mock_model.hpp"

#include <algorithm>
#include <cctype>

namespace commerce::mock {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string string_of(const rapidjson::Value& v, const char* what) {
  if (!v.IsString())
    throw bad_request(std::string{what} + " must be a string");
  return {v.GetString(), v.GetStringLength()};
}

/// A string or MockServer's {"not": true, "value": "..."} form.
string_matcher parse_string_matcher(const rapidjson::Value& v, const char* what) {
  if (v.IsObject()) {
    auto value = v.FindMember("value");
    if (value == v.MemberEnd())
      throw bad_request(std::string{what} + " object needs a \"value\"");
    auto negate = v.FindMember("not");
    return string_matcher{string_of(value->value, what),
                          negate != v.MemberEnd() && negate->value.IsBool() && negate->value.GetBool()};
  }
  return string_matcher{string_of(v, what), false};
}

/// Both multi-value forms: {"Name": ["v1", "v2"] | "v"} and [{"name": "Name", "values": [...]}].
std::vector<std::pair<string_matcher, std::vector<string_matcher>>> parse_multi_matcher(const rapidjson::Value& v,
                                                                                         const char* what) {
  std::vector<std::pair<string_matcher, std::vector<string_matcher>>> out;
  auto values_of = [&](const rapidjson::Value& vals) {
    std::vector<string_matcher> list;
    if (vals.IsArray()) {
      for (const auto& x : vals.GetArray())
        list.push_back(parse_string_matcher(x, what));
    } else {
      list.push_back(parse_string_matcher(vals, what));
    }
    return list;
  };
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string name{it->name.GetString(), it->name.GetStringLength()};
      if (name == "keyMatchStyle")
        continue;
      out.emplace_back(string_matcher{name, false}, values_of(it->value));
    }
  } else if (v.IsArray()) {
    for (const auto& entry : v.GetArray()) {
      if (!entry.IsObject() || !entry.HasMember("name"))
        throw bad_request(std::string{what} + " entries need a \"name\"");
      auto values = entry.FindMember("values");
      out.emplace_back(parse_string_matcher(entry["name"], what),
                       values == entry.MemberEnd() ? std::vector<string_matcher>{} : values_of(values->value));
    }
  } else {
    throw bad_request(std::string{what} + " must be an object or an array");
  }
  return out;
}

multi_map parse_multi_values(const rapidjson::Value& v, const char* what) {
  multi_map out;
  for (auto& [name, values] : parse_multi_matcher(v, what)) {
    std::vector<std::string> plain;
    for (auto& m : values)
      plain.push_back(m.value);
    out.emplace_back(name.value, plain);
  }
  return out;
}

std::shared_ptr<rapidjson::Document> parse_json_text(const std::string& text, const char* what) {
  return std::make_shared<rapidjson::Document>(parse_json(text, what));
}

/// CopyFrom recurses: `v` is part of an expectation already checked against max_json_depth.
std::shared_ptr<rapidjson::Document> copy_json(const rapidjson::Value& v) {
  auto d = std::make_shared<rapidjson::Document>();
  d->CopyFrom(v, d->GetAllocator());
  return d;
}

constexpr std::string_view json_unit_regex_prefix = "${json-unit.regex}";

/// Compiles every ${json-unit.regex} string of `json` (an explicit stack, no recursion); throws
/// bad_request on an invalid pattern.
json_unit_regexes compile_json_unit_regexes(const rapidjson::Value& json) {
  json_unit_regexes out;
  std::vector<const rapidjson::Value*> pending{&json};
  while (!pending.empty()) {
    const auto* v = pending.back();
    pending.pop_back();
    if (v->IsObject()) {
      for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it)
        pending.push_back(&it->value);
    } else if (v->IsArray()) {
      for (const auto& item : v->GetArray())
        pending.push_back(&item);
    } else if (v->IsString()) {
      std::string_view text{v->GetString(), v->GetStringLength()};
      if (text.substr(0, json_unit_regex_prefix.size()) != json_unit_regex_prefix)
        continue;
      auto pattern = text.substr(json_unit_regex_prefix.size());
      std::string error;
      auto compiled = compiled_regex::compile(pattern, regex_dialect::json_unit, &error);
      if (!compiled)
        throw bad_request("body.json: ${json-unit.regex}" + std::string{pattern} + " is not a valid regular expression (" +
                          error + ")");
      out.emplace(std::string{pattern}, std::move(*compiled));
    }
  }
  return out;
}

/// Refuses CR and LF (and NUL) in what becomes part of the response head, so an expectation
/// cannot add headers or split the response.
void check_header_text(const std::string& text, const std::string& what) {
  if (text.find_first_of(std::string_view{"\r\n\0", 3}) != std::string::npos)
    throw bad_request(what + " must not contain CR or LF");
}

/// MockServer's body DTO: an object whose "type" names a body type. Any other object, even one
/// with a "type" member of its own ({"type":"notification",...}), is a plain JSON body.
bool is_typed_body(const rapidjson::Value& v) {
  if (!v.IsObject() || !v.HasMember("type") || !v["type"].IsString())
    return false;
  static const std::vector<std::string> body_types = {"STRING", "REGEX", "JSON", "JSON_PATH", "JSON_SCHEMA", "XML",
                                                      "XPATH", "XML_SCHEMA", "PARAMETERS", "BINARY"};
  return std::find(body_types.begin(), body_types.end(), v["type"].GetString()) != body_types.end();
}

body_matcher parse_body_matcher(const rapidjson::Value& v) {
  body_matcher m;
  if (v.IsString()) {
    m.text = string_of(v, "body");
    // A blank string matcher matches any body in MockServer (ExactStringMatcher); the JS
    // client's mockSimpleResponse sends "body": "".
    m.type = is_blank(m.text) ? body_matcher::kind::any : body_matcher::kind::exact;
    return m;
  }
  if (!is_typed_body(v)) {  // a plain JSON object or array
    m.type = body_matcher::kind::json_subset;
    m.json = copy_json(v);
    m.json_regexes = compile_json_unit_regexes(*m.json);
    return m;
  }
  auto type = string_of(v["type"], "body.type");
  if (type == "STRING") {
    m.text = v.HasMember("string") ? string_of(v["string"], "body.string") : "";
    bool sub = v.HasMember("subString") && v["subString"].IsBool() && v["subString"].GetBool();
    m.type = is_blank(m.text) ? body_matcher::kind::any : sub ? body_matcher::kind::substring : body_matcher::kind::exact;
  } else if (type == "REGEX") {
    if (!v.HasMember("regex"))
      throw bad_request("body of type REGEX needs \"regex\"");
    m.type = body_matcher::kind::regex;
    m.text = string_of(v["regex"], "body.regex");
    std::string error;
    m.regex = compiled_regex::compile(m.text, regex_dialect::mockserver, &error);
    if (!m.regex)
      throw bad_request("body.regex is not a valid regular expression: " + error);
  } else if (type == "JSON") {
    if (!v.HasMember("json"))
      throw bad_request("body of type JSON needs \"json\"");
    const auto& json = v["json"];
    m.json = json.IsString() ? parse_json_text(string_of(json, "body.json"), "body.json") : copy_json(json);
    auto match_type = v.HasMember("matchType") ? string_of(v["matchType"], "body.matchType") : "ONLY_MATCHING_FIELDS";
    if (match_type == "STRICT")
      m.type = body_matcher::kind::json_strict;
    else if (match_type == "ONLY_MATCHING_FIELDS")
      m.type = body_matcher::kind::json_subset;
    else
      throw bad_request("body.matchType must be ONLY_MATCHING_FIELDS or STRICT");
    m.json_regexes = compile_json_unit_regexes(*m.json);
  } else {
    throw bad_request("unsupported body type " + type + " (STRING, REGEX and JSON are supported)");
  }
  return m;
}

std::chrono::milliseconds parse_duration(const rapidjson::Value& v, const char* value_key, const char* what) {
  if (!v.IsObject())
    throw bad_request(std::string{what} + " must be an object");
  auto unit = v.HasMember("timeUnit") ? string_of(v["timeUnit"], "timeUnit") : "MILLISECONDS";
  if (!v.HasMember(value_key) || !v[value_key].IsInt64() || v[value_key].GetInt64() < 0)
    throw bad_request(std::string{what} + "." + value_key + " must be a non-negative integer");
  auto n = v[value_key].GetInt64();
  static const std::map<std::string, int64_t> ms_per = {
    {"NANOSECONDS", 0}, {"MICROSECONDS", 0}, {"MILLISECONDS", 1}, {"SECONDS", 1000},
    {"MINUTES", 60'000}, {"HOURS", 3'600'000}, {"DAYS", 86'400'000}};
  auto it = ms_per.find(unit);
  if (it == ms_per.end())
    throw bad_request(std::string{what} + ".timeUnit " + unit + " is unknown");
  if (unit == "NANOSECONDS")
    return std::chrono::milliseconds(n / 1'000'000);
  if (unit == "MICROSECONDS")
    return std::chrono::milliseconds(n / 1000);
  return std::chrono::milliseconds(n * it->second);
}

response_action parse_response(const rapidjson::Value& v) {
  if (!v.IsObject())
    throw bad_request("httpResponse must be an object");
  response_action r;
  if (v.HasMember("statusCode")) {
    if (!v["statusCode"].IsInt() || v["statusCode"].GetInt() < 100 || v["statusCode"].GetInt() > 599)
      throw bad_request("httpResponse.statusCode must be an HTTP status");
    r.status = v["statusCode"].GetInt();
  }
  if (v.HasMember("headers")) {
    r.headers = parse_multi_values(v["headers"], "httpResponse.headers");
    for (const auto& [name, values] : r.headers) {
      check_header_text(name, "httpResponse.headers: a header name");
      for (const auto& value : values)
        check_header_text(value, "httpResponse.headers: the value of " + name);
    }
  }
  // Pistache writes its own reason phrase; a given one is checked all the same, so no
  // expectation that would be unsafe on MockServer is accepted here.
  if (v.HasMember("reasonPhrase"))
    check_header_text(string_of(v["reasonPhrase"], "httpResponse.reasonPhrase"), "httpResponse.reasonPhrase");
  if (v.HasMember("body")) {
    const auto& b = v["body"];
    if (b.IsString()) {
      r.body = string_of(b, "httpResponse.body");
    } else if (is_typed_body(b)) {
      auto type = string_of(b["type"], "httpResponse.body.type");
      if (b.HasMember("contentType")) {
        r.content_type = string_of(b["contentType"], "httpResponse.body.contentType");
        check_header_text(r.content_type, "httpResponse.body.contentType");
      }
      if (type == "JSON" && b.HasMember("json")) {
        r.body = b["json"].IsString() ? string_of(b["json"], "json") : to_json(b["json"]);
        r.json_body = true;
      } else if (type == "STRING" && b.HasMember("string")) {
        r.body = string_of(b["string"], "string");
      } else {
        throw bad_request("httpResponse.body of type " + type + " is not supported");
      }
    } else {
      r.body = to_json(b);
      r.json_body = true;
    }
  }
  if (v.HasMember("delay"))
    r.delay = parse_duration(v["delay"], "value", "httpResponse.delay");
  return r;
}

bool multi_matches(const std::vector<std::pair<string_matcher, std::vector<string_matcher>>>& expected,
                   const multi_map& actual) {
  // Subset: each expected name needs a present key whose values cover every expected value.
  for (const auto& [name, values] : expected) {
    bool found = false;
    for (const auto& entry : actual) {  // not a structured binding: clang 14 (fuzz build) cannot capture one
      if (!name.matches(entry.first))
        continue;
      const auto& actual_values = entry.second;
      bool all = std::all_of(values.begin(), values.end(), [&](const string_matcher& want) {
        return std::any_of(actual_values.begin(), actual_values.end(), [&](const std::string& v) { return want.matches(v); });
      });
      if (all) {
        found = true;
        break;
      }
    }
    if (found == name.negate)
      return false;
  }
  return true;
}

}  // namespace

string_matcher::string_matcher(std::string v, bool n)
  : value(std::move(v)), negate(n), regex(compiled_regex::compile(value, regex_dialect::mockserver)) {}

bool string_matcher::matches(const std::string& actual) const {
  if (value.empty())
    return !negate;
  bool hit = value == actual || lower(value) == lower(actual) || (regex && regex->full_match(actual));
  return hit != negate;
}

namespace {

/// JsonUnit's comparison of an expected JSON value (with placeholders) against an actual one.
/// It recurses along `expected` and gives up (no match) past max_json_depth: documents from
/// parse_bounded_json never get there, and documents built elsewhere cannot exhaust the stack.
class json_comparison {
public:
  json_comparison(bool strict, const json_unit_regexes* regexes) : strict_(strict), regexes_(regexes) {}

  bool equal(const rapidjson::Value& expected, const rapidjson::Value& actual, std::size_t depth = 1) const {
    if (auto p = placeholder_match(expected, actual))
      return *p;
    if (!expected.IsObject() && !expected.IsArray())
      return scalar_equal(expected, actual);
    if (depth > max_json_depth)
      return false;
    if (expected.IsObject()) {
      if (!actual.IsObject() || (strict_ && expected.MemberCount() != actual.MemberCount()))
        return false;
      for (auto it = expected.MemberBegin(); it != expected.MemberEnd(); ++it) {
        auto found = actual.FindMember(it->name);
        if (found == actual.MemberEnd() || !equal(it->value, found->value, depth + 1))
          return false;
      }
      return true;
    }
    if (!actual.IsArray())
      return false;
    if (strict_) {
      if (expected.Size() != actual.Size())
        return false;
      for (rapidjson::SizeType i = 0; i < expected.Size(); ++i)
        if (!equal(expected[i], actual[i], depth + 1))
          return false;
      return true;
    }
    // Any order, extra items allowed: each expected item takes the first unused actual one.
    std::vector<bool> used(actual.Size(), false);
    for (const auto& want : expected.GetArray()) {
      bool matched = false;
      for (rapidjson::SizeType i = 0; i < actual.Size() && !matched; ++i)
        if (!used[i] && equal(want, actual[i], depth + 1))
          used[i] = matched = true;
      if (!matched)
        return false;
    }
    return true;
  }

private:
  /// JsonUnit placeholders: true/false when `expected` is one, nullopt when it is an ordinary value.
  std::optional<bool> placeholder_match(const rapidjson::Value& expected, const rapidjson::Value& actual) const {
    if (!expected.IsString())
      return std::nullopt;
    std::string_view e{expected.GetString(), expected.GetStringLength()};
    if (e == "${json-unit.any-string}")
      return actual.IsString();
    if (e == "${json-unit.any-number}")
      return actual.IsNumber();
    if (e == "${json-unit.any-boolean}")
      return actual.IsBool();
    if (e == "${json-unit.ignore}" || e == "${json-unit.ignore-element}")
      return true;
    if (e.substr(0, json_unit_regex_prefix.size()) != json_unit_regex_prefix)
      return std::nullopt;
    if (!actual.IsString())
      return false;
    auto pattern = e.substr(json_unit_regex_prefix.size());
    std::string_view subject{actual.GetString(), actual.GetStringLength()};
    if (regexes_) {
      auto found = regexes_->find(pattern);
      if (found != regexes_->end())
        return found->second.full_match(subject);
    }
    auto compiled = compiled_regex::compile(pattern, regex_dialect::json_unit);  // a matcher not from parse
    return compiled && compiled->full_match(subject);
  }

  static bool scalar_equal(const rapidjson::Value& expected, const rapidjson::Value& actual) {
    if (expected.IsNumber() && actual.IsNumber())
      return expected.GetDouble() == actual.GetDouble();  // 250 == 250.0
    return expected == actual;  // scalars: no recursion
  }

  bool strict_;
  const json_unit_regexes* regexes_;
};

}  // namespace

bool json_strict(const rapidjson::Value& expected, const rapidjson::Value& actual) {
  return json_comparison{true, nullptr}.equal(expected, actual);
}

bool json_subset(const rapidjson::Value& expected, const rapidjson::Value& actual) {
  return json_comparison{false, nullptr}.equal(expected, actual);
}

bool body_matcher::matches(const std::string& actual) const {
  switch (type) {
    case kind::any:
      return true;
    case kind::exact:
      return actual == text;
    case kind::substring:
      return actual.find(text) != std::string::npos;
    case kind::regex: {
      if (regex)
        return regex->full_match(actual);
      auto compiled = compiled_regex::compile(text, regex_dialect::mockserver);  // a matcher not from parse
      return compiled && compiled->full_match(actual);
    }
    case kind::json_subset:
    case kind::json_strict: {
      rapidjson::Document d;
      if (parse_bounded_json(actual, d) != json_parse_status::ok)
        return false;
      return json_comparison{type == kind::json_strict, &json_regexes}.equal(*json, d);
    }
  }
  return false;
}

bool request_matcher::matches(const recorded_request& r) const {
  return (!method || method->matches(r.method)) && (!path || path->matches(r.path)) &&
         multi_matches(query, r.query) && multi_matches(headers, r.headers) && body.matches(r.body);
}

rapidjson::Document parse_json(std::string_view text, const std::string& what) {
  rapidjson::Document d;
  switch (parse_bounded_json(text, d)) {
    case json_parse_status::ok:
      return d;
    case json_parse_status::too_deep:
      throw bad_request(what + " nests deeper than " + std::to_string(max_json_depth) + " levels");
    case json_parse_status::invalid:
      break;
  }
  throw bad_request(what + " is not valid JSON");
}

request_matcher parse_request_matcher(const rapidjson::Value& v) {
  if (!v.IsObject())
    throw bad_request("httpRequest must be an object");
  if (nests_deeper_than(v))
    throw bad_request("httpRequest nests deeper than " + std::to_string(max_json_depth) + " levels");
  request_matcher m;
  if (v.HasMember("method"))
    m.method = parse_string_matcher(v["method"], "httpRequest.method");
  if (v.HasMember("path"))
    m.path = parse_string_matcher(v["path"], "httpRequest.path");
  if (v.HasMember("queryStringParameters"))
    m.query = parse_multi_matcher(v["queryStringParameters"], "httpRequest.queryStringParameters");
  if (v.HasMember("headers"))
    m.headers = parse_multi_matcher(v["headers"], "httpRequest.headers");
  if (v.HasMember("body"))
    m.body = parse_body_matcher(v["body"]);
  return m;
}

expectation parse_expectation(const rapidjson::Value& v) {
  if (!v.IsObject())
    throw bad_request("an expectation must be a JSON object");
  if (nests_deeper_than(v))
    throw bad_request("the expectation nests deeper than " + std::to_string(max_json_depth) + " levels");
  expectation e;
  if (v.HasMember("id"))
    e.id = string_of(v["id"], "id");
  if (v.HasMember("priority")) {
    if (!v["priority"].IsInt())
      throw bad_request("priority must be an integer");
    e.priority = v["priority"].GetInt();
  }
  e.request = v.HasMember("httpRequest") ? parse_request_matcher(v["httpRequest"]) : request_matcher{};
  if (v.HasMember("httpResponse"))
    e.response = parse_response(v["httpResponse"]);
  if (v.HasMember("httpError")) {
    const auto& err = v["httpError"];
    if (!err.IsObject())
      throw bad_request("httpError must be an object");
    error_action a;
    a.drop_connection = !err.HasMember("dropConnection") || (err["dropConnection"].IsBool() && err["dropConnection"].GetBool());
    if (err.HasMember("delay"))
      a.delay = parse_duration(err["delay"], "value", "httpError.delay");
    e.error = a;
  }
  e.json = to_json(v);
  if (e.response.has_value() == e.error.has_value())
    throw bad_request("an expectation needs exactly one action: httpResponse or httpError");
  if (v.HasMember("times")) {
    const auto& t = v["times"];
    if (!t.IsObject())
      throw bad_request("times must be an object");
    bool unlimited = t.HasMember("unlimited") && t["unlimited"].IsBool() && t["unlimited"].GetBool();
    if (!unlimited && t.HasMember("remainingTimes")) {
      if (!t["remainingTimes"].IsInt64() || t["remainingTimes"].GetInt64() < 1)
        throw bad_request("times.remainingTimes must be a positive integer");
      e.remaining = t["remainingTimes"].GetInt64();
    }
  }
  if (v.HasMember("timeToLive")) {
    const auto& t = v["timeToLive"];
    bool unlimited = t.IsObject() && t.HasMember("unlimited") && t["unlimited"].IsBool() && t["unlimited"].GetBool();
    if (!unlimited) {
      e.expires_at = std::chrono::steady_clock::now() + parse_duration(t, "timeToLive", "timeToLive");
      e.time_to_live.emplace(t.HasMember("timeUnit") ? string_of(t["timeUnit"], "timeUnit") : "MILLISECONDS",
                             t["timeToLive"].GetInt64());
    }
  }
  return e;
}

std::vector<expectation> parse_expectations(const rapidjson::Value& v) {
  std::vector<expectation> list;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray())
      list.push_back(parse_expectation(e));
  } else {
    list.push_back(parse_expectation(v));
  }
  return list;
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

void write_request(rapidjson::Writer<rapidjson::StringBuffer>& w, const recorded_request& r) {
  auto write_multi = [&](const char* key, const multi_map& m) {
    w.Key(key);
    w.StartObject();
    for (const auto& [name, values] : m) {
      w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
      w.StartArray();
      for (const auto& v : values)
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
      w.EndArray();
    }
    w.EndObject();
  };
  w.StartObject();
  w.Key("method");
  w.String(r.method.c_str(), static_cast<rapidjson::SizeType>(r.method.size()));
  w.Key("path");
  w.String(r.path.c_str(), static_cast<rapidjson::SizeType>(r.path.size()));
  if (!r.query.empty())
    write_multi("queryStringParameters", r.query);
  write_multi("headers", r.headers);
  if (!r.body.empty()) {
    w.Key("body");
    rapidjson::Document d;
    if (parse_bounded_json(r.body, d) == json_parse_status::ok && (d.IsObject() || d.IsArray()))
      d.Accept(w);  // JSON bodies come back as JSON, like MockServer's default format (Accept recurses: bounded)
    else
      w.String(r.body.c_str(), static_cast<rapidjson::SizeType>(r.body.size()));
  }
  w.Key("keepAlive");
  w.Bool(true);
  w.Key("secure");
  w.Bool(false);
  w.EndObject();
}


multi_map effective_headers(const response_action& r) {
  multi_map out;
  bool typed = false;
  for (const auto& [name, values] : r.headers) {
    auto key = lower(name);
    if (key == "content-length")
      continue;  // the HTTP layer computes it
    typed = typed || key == "content-type";
    out.emplace_back(name, values);
  }
  if (!typed && !r.content_type.empty())
    out.emplace_back("Content-Type", std::vector<std::string>{r.content_type});
  else if (!typed && r.json_body)
    out.emplace_back("Content-Type", std::vector<std::string>{"application/json; charset=utf-8"});
  return out;
}

std::string reason_phrase(int status) {
  static const std::map<int, const char*> phrases = {
    {100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
    {203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"}, {206, "Partial Content"},
    {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"}, {304, "Not Modified"},
    {307, "Temporary Redirect"}, {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
    {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
    {406, "Not Acceptable"}, {408, "Request Timeout"}, {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
    {412, "Precondition Failed"}, {413, "Request Entity Too Large"}, {415, "Unsupported Media Type"},
    {422, "Unprocessable Entity"}, {429, "Too Many Requests"}, {500, "Internal Server Error"},
    {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  auto it = phrases.find(status);
  return it == phrases.end() ? "" : it->second;
}

namespace {

void write_string(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

void write_response(rapidjson::Writer<rapidjson::StringBuffer>& w, const response_action& r) {
  w.StartObject();
  w.Key("statusCode");
  w.Int(r.status);
  auto phrase = reason_phrase(r.status);
  if (!phrase.empty()) {
    w.Key("reasonPhrase");
    write_string(w, phrase);
  }
  auto headers = effective_headers(r);
  if (!headers.empty()) {
    w.Key("headers");
    w.StartObject();
    for (const auto& [name, values] : headers) {
      write_string(w, name);
      w.StartArray();
      for (const auto& v : values)
        write_string(w, v);
      w.EndArray();
    }
    w.EndObject();
  }
  if (!r.body.empty()) {
    w.Key("body");
    rapidjson::Document d;
    if (r.json_body && parse_bounded_json(r.body, d) == json_parse_status::ok)
      d.Accept(w);  // bounded by the parse: Accept's recursion stays within max_json_depth
    else
      write_string(w, r.body);
  }
  w.EndObject();
}

std::string render_expectation(const expectation& e) {
  rapidjson::Document submitted;
  parse_bounded_json(e.json, submitted);  // our own rendering of a checked expectation: it parses
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("id");
  write_string(w, e.id);
  w.Key("priority");
  w.Int(e.priority);
  if (submitted.IsObject()) {
    for (auto it = submitted.MemberBegin(); it != submitted.MemberEnd(); ++it) {
      std::string_view name{it->name.GetString(), it->name.GetStringLength()};
      if (name == "id" || name == "priority" || name == "times" || name == "timeToLive")
        continue;
      w.Key(it->name.GetString(), it->name.GetStringLength());
      it->value.Accept(w);
    }
  }
  w.Key("times");
  w.StartObject();
  if (e.remaining) {
    w.Key("remainingTimes");
    w.Int64(*e.remaining);
  } else {
    w.Key("unlimited");
    w.Bool(true);
  }
  w.EndObject();
  w.Key("timeToLive");
  w.StartObject();
  if (e.time_to_live) {
    w.Key("timeUnit");
    write_string(w, e.time_to_live->first);
    w.Key("timeToLive");
    w.Int64(e.time_to_live->second);
  } else {
    w.Key("unlimited");
    w.Bool(true);
  }
  w.EndObject();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace commerce::mock
