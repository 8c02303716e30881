#include "integrations/mock/mock_control.hpp"

#include <algorithm>
#include <cctype>

namespace commerce::mock {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

/// An expectation id: MockServer's {"id": "..."}, or the bare string the JS client's verifyById
/// and verifySequenceById send.
request_selector expectation_id_selector(const rapidjson::Value& ref) {
  const rapidjson::Value* id = &ref;
  if (ref.IsObject()) {
    auto found = ref.FindMember("id");
    if (found == ref.MemberEnd())
      throw bad_request("an expectation id must be {\"id\": \"...\"} or a string");
    id = &found->value;
  }
  if (!id->IsString() || id->GetStringLength() == 0)
    throw bad_request("an expectation id must be {\"id\": \"...\"} or a non-empty string");
  request_selector s;
  s.expectation_id.assign(id->GetString(), id->GetStringLength());
  s.json = ref.IsObject() ? to_json(ref) : "{\"id\":" + to_json(ref) + "}";
  return s;
}

request_selector matcher_selector(const rapidjson::Value& m) {
  request_selector s;
  s.matcher = parse_request_matcher(m);
  s.json = to_json(m);
  return s;
}

int64_t whole(const rapidjson::Value& v, const char* what) {
  if (!v.IsInt64())
    throw bad_request(std::string{"times."} + what + " must be an integer");
  return v.GetInt64();
}

std::size_t max_listed(const rapidjson::Value& body) {
  auto it = body.FindMember("maximumNumberOfRequestToReturnInVerificationFailure");
  if (it == body.MemberEnd() || it->value.IsNull())
    return default_requests_in_verification_failure;
  if (!it->value.IsInt64() || it->value.GetInt64() < 0)
    throw bad_request("maximumNumberOfRequestToReturnInVerificationFailure must be a non-negative integer");
  return static_cast<std::size_t>(it->value.GetInt64());
}

}  // namespace

verification parse_verification(const rapidjson::Value& body) {
  if (!body.IsObject())
    throw bad_request("verify needs a JSON object with \"httpRequest\" or \"expectationId\"");
  verification v;
  auto request = body.FindMember("httpRequest");
  auto id = body.FindMember("expectationId");
  if (request != body.MemberEnd() && !request->value.IsNull())
    v.what = matcher_selector(request->value);
  else if (id != body.MemberEnd() && !id->value.IsNull())
    v.what = expectation_id_selector(id->value);
  else
    throw bad_request("verify needs \"httpRequest\" or \"expectationId\"");
  v.max_listed = max_listed(body);
  auto times = body.FindMember("times");
  if (times == body.MemberEnd() || times->value.IsNull())
    return v;  // MockServer's default: exactly once
  const auto& t = times->value;
  if (!t.IsObject())
    throw bad_request("times must be an object");
  // As MockServer's VerificationTimesDTODeserializer: atLeast/atMost (a missing side unbounded),
  // else count (+ exact), else the default.
  auto at_least = t.FindMember("atLeast");
  auto at_most = t.FindMember("atMost");
  bool has_least = at_least != t.MemberEnd() && !at_least->value.IsNull();
  bool has_most = at_most != t.MemberEnd() && !at_most->value.IsNull();
  if (has_least || has_most) {
    v.times.at_least = has_least ? whole(at_least->value, "atLeast") : -1;
    v.times.at_most = has_most ? whole(at_most->value, "atMost") : -1;
  } else if (t.HasMember("count") && !t["count"].IsNull()) {
    auto count = whole(t["count"], "count");
    bool exact = t.HasMember("exact") && t["exact"].IsBool() && t["exact"].GetBool();
    v.times = {count, exact ? count : -1};
  }
  return v;
}

verification_sequence parse_verification_sequence(const rapidjson::Value& body) {
  if (!body.IsObject())
    throw bad_request("verifySequence needs a JSON object with \"httpRequests\" or \"expectationIds\"");
  verification_sequence s;
  auto ids = body.FindMember("expectationIds");
  bool by_id = ids != body.MemberEnd() && ids->value.IsArray() && !ids->value.Empty();
  const char* key = by_id ? "expectationIds" : "httpRequests";
  auto list = body.FindMember(key);
  if (list == body.MemberEnd() || !list->value.IsArray())
    throw bad_request("verifySequence needs \"httpRequests\" or \"expectationIds\" as an array");
  for (const auto& step : list->value.GetArray())
    s.steps.push_back(by_id ? expectation_id_selector(step) : matcher_selector(step));
  s.json = to_json(list->value);
  s.max_listed = max_listed(body);
  return s;
}

std::optional<request_matcher> parse_filter(const rapidjson::Value& body) {
  if (body.IsNull() || (body.IsString() && body.GetStringLength() == 0))
    return std::nullopt;
  if (!body.IsObject())
    throw bad_request("a request matcher must be a JSON object");
  if (body.ObjectEmpty())
    return std::nullopt;
  auto wrapped = body.FindMember("httpRequest");
  return parse_request_matcher(wrapped != body.MemberEnd() ? wrapped->value : body);
}

clear_target parse_clear_target(const rapidjson::Value& body) {
  clear_target t;
  if (body.IsObject() && body.HasMember("id") && !body.HasMember("path") && !body.HasMember("httpRequest")) {
    t.id = expectation_id_selector(body).expectation_id;
    return t;
  }
  t.filter = parse_filter(body);
  return t;
}

retrieve_type parse_retrieve_type(const std::string& type) {
  auto t = upper(type);
  if (t.empty() || t == "REQUESTS")
    return retrieve_type::requests;
  if (t == "ACTIVE_EXPECTATIONS")
    return retrieve_type::active_expectations;
  if (t == "RECORDED_EXPECTATIONS")
    return retrieve_type::recorded_expectations;
  if (t == "REQUEST_RESPONSES")
    return retrieve_type::request_responses;
  if (t == "LOGS")
    return retrieve_type::logs;
  throw bad_request("\"" + type +
                    "\" is not a valid value for \"type\" parameter, only the following values are supported "
                    "[logs, requests, request_responses, recorded_expectations, active_expectations]");
}

clear_type parse_clear_type(const std::string& type) {
  auto t = upper(type);
  if (t.empty() || t == "ALL")
    return clear_type::all;
  if (t == "LOG")
    return clear_type::log;
  if (t == "EXPECTATIONS")
    return clear_type::expectations;
  throw bad_request("\"" + type +
                    "\" is not a valid value for \"type\" parameter, only the following values are supported "
                    "[all, log, expectations]");
}

}  // namespace commerce::mock
