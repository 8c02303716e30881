// commerce-mock's state against what MockServer 5.x answers to its own clients (the npm
// mockserver-client and the Java client): the upserted expectations as MockServer renders them,
// verify by expectation id (also the JS client's plain-string id), MockServer's verification
// failure text, every retrieve type, clear by id and type, and the control-request parsers.
#include "integrations/mock/mock_control.hpp"
#include "integrations/mock/mock_state.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace commerce::mock;

namespace {

rapidjson::Document doc(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError())
    throw std::logic_error("test JSON does not parse: " + text);
  return d;
}

std::string upsert(mock_state& s, const std::string& json) { return s.upsert(parse_expectations(doc(json))); }

recorded_request get(const std::string& path, std::string body = "") {
  return recorded_request{"GET", path, {}, {{"Host", {"localhost"}}}, std::move(body)};
}

/// The body an answered request got ("" for no match or a dropped connection).
std::string answer(mock_state& s, const recorded_request& r) {
  auto a = s.handle(r);
  return a && a->response ? a->response->body : "";
}

std::optional<std::string> verify(mock_state& s, const std::string& json) {
  return s.verify(parse_verification(doc(json)));
}

std::optional<std::string> verify_sequence(mock_state& s, const std::string& json) {
  return s.verify_sequence(parse_verification_sequence(doc(json)));
}

rapidjson::Document retrieve(mock_state& s, retrieve_type type, const std::string& filter = "") {
  return doc(s.retrieve(type, parse_filter(filter.empty() ? doc("null") : doc(filter))));
}

std::string str(const rapidjson::Value& v, const char* key) {
  BOOST_REQUIRE_MESSAGE(v.IsObject() && v.HasMember(key) && v[key].IsString(), "no string member " << key);
  return v[key].GetString();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_state_mockserver_answers)

BOOST_AUTO_TEST_CASE(upsert_answers_the_expectations_as_mockserver_renders_them) {
  mock_state s;
  auto answered = doc(upsert(s, R"([{"httpRequest":{"path":"/a"},"httpResponse":{"body":"a"},
                                     "times":{"remainingTimes":2,"unlimited":false},
                                     "timeToLive":{"timeUnit":"SECONDS","timeToLive":60,"unlimited":false}},
                                    {"id":"b","priority":5,"httpRequest":{"path":"/b"},"httpResponse":{"body":"b"}}])"));
  BOOST_REQUIRE(answered.IsArray() && answered.Size() == 2u);
  const auto& a = answered[0];
  BOOST_TEST(!str(a, "id").empty());
  BOOST_TEST(a["priority"].GetInt() == 0);
  BOOST_TEST(a["times"]["remainingTimes"].GetInt() == 2);
  BOOST_TEST(!a["times"].HasMember("unlimited"));
  BOOST_TEST(str(a["timeToLive"], "timeUnit") == "SECONDS");
  BOOST_TEST(a["timeToLive"]["timeToLive"].GetInt() == 60);
  const auto& b = answered[1];
  BOOST_TEST(str(b, "id") == "b");
  BOOST_TEST(b["priority"].GetInt() == 5);
  BOOST_TEST(b["times"]["unlimited"].GetBool());
  BOOST_TEST(b["timeToLive"]["unlimited"].GetBool());
  BOOST_TEST(str(b["httpRequest"], "path") == "/b");

  // Active expectations show the times left.
  BOOST_TEST(answer(s, get("/a")) == "a");
  auto active = retrieve(s, retrieve_type::active_expectations, R"({"path":"/a"})");
  BOOST_REQUIRE(active.Size() == 1u);
  BOOST_TEST(active[0]["times"]["remainingTimes"].GetInt() == 1);
}

BOOST_AUTO_TEST_CASE(an_upsert_keeps_the_replaced_expectations_place_among_equal_priorities) {
  mock_state s;
  upsert(s, R"([{"id":"first","httpRequest":{"path":"/x"},"httpResponse":{"body":"first"}},
                {"id":"second","httpRequest":{"path":"/x"},"httpResponse":{"body":"second"}}])");
  upsert(s, R"({"id":"first","httpRequest":{"path":"/x"},"httpResponse":{"body":"first, replaced"}})");
  BOOST_TEST(answer(s, get("/x")) == "first, replaced");
  auto active = retrieve(s, retrieve_type::active_expectations);
  BOOST_REQUIRE(active.Size() == 2u);
  BOOST_TEST(str(active[0], "id") == "first");
}

BOOST_AUTO_TEST_CASE(a_blank_body_matcher_matches_any_body_as_in_mockserver) {
  // The JS client's mockSimpleResponse sends "method": "" and "body": "".
  mock_state s;
  upsert(s, R"({"httpRequest":{"method":"","path":"/simple","body":"","cookies":[],"queryStringParameters":[]},
                "httpResponse":{"statusCode":200,"body":"{\"ok\":true}","cookies":[],
                                "delay":{"timeUnit":"MICROSECONDS","value":0}},
                "times":{"remainingTimes":1,"unlimited":false}})");
  BOOST_TEST(answer(s, recorded_request{"POST", "/simple", {}, {}, R"({"any":"body"})"}) == R"({"ok":true})");
}

BOOST_AUTO_TEST_CASE(verify_by_id_counts_the_requests_that_expectation_answered) {
  mock_state s;
  upsert(s, R"([{"id":"high","priority":1,"httpRequest":{"path":"/p"},"httpResponse":{"body":"high"},"times":{"remainingTimes":1}},
                {"id":"low","httpRequest":{"path":"/p"},"httpResponse":{"body":"low"}}])");
  BOOST_TEST(answer(s, get("/p")) == "high");
  BOOST_TEST(answer(s, get("/p")) == "low");
  BOOST_TEST(answer(s, get("/p")) == "low");
  // {"id": ...} as MockServer's schema has it, and a plain string as the JS client's verifyById sends it.
  BOOST_TEST(!verify(s, R"({"expectationId":{"id":"high"},"times":{"atLeast":1,"atMost":1}})"));
  BOOST_TEST(!verify(s, R"({"expectationId":"low","times":{"atLeast":2,"atMost":2}})"));
  BOOST_TEST(!verify(s, R"({"expectationId":"low","times":{"atLeast":1}})"));  // the JS client leaves atMost out
  auto failure = verify(s, R"({"expectationId":"low","times":{"atLeast":3}})");
  BOOST_REQUIRE(failure.has_value());
  BOOST_TEST(contains(*failure, "Request not found at least 3 times"), *failure);
  // An id that answered nothing (or never existed) counts 0: 406, not a malformed request.
  BOOST_TEST(!verify(s, R"({"expectationId":"never","times":{"atMost":0}})"));
  BOOST_TEST(verify(s, R"({"expectationId":"never"})").has_value());
}

BOOST_AUTO_TEST_CASE(verification_times_read_like_mockservers) {
  auto times = [](const std::string& json) { return parse_verification(doc(json)).times; };
  auto t = times(R"({"httpRequest":{},"times":{"atLeast":1}})");
  BOOST_TEST(t.at_least == 1);
  BOOST_TEST(t.at_most == -1);
  BOOST_TEST(t.describe() == "at least once");
  t = times(R"({"httpRequest":{}})");
  BOOST_TEST(t.describe() == "exactly once");
  BOOST_TEST(times(R"({"httpRequest":{},"times":{"atMost":3}})").describe() == "at most 3 times");
  BOOST_TEST(times(R"({"httpRequest":{},"times":{"atLeast":2,"atMost":2}})").describe() == "exactly 2 times");
  BOOST_TEST(times(R"({"httpRequest":{},"times":{"atLeast":1,"atMost":4}})").describe() == "between 1 and 4 times");
  BOOST_TEST(times(R"({"httpRequest":{},"times":{"count":2,"exact":true}})").describe() == "exactly 2 times");
  BOOST_TEST(times(R"({"httpRequest":{},"times":{"count":2}})").describe() == "at least 2 times");
  BOOST_CHECK_THROW(parse_verification(doc(R"({"times":{"atLeast":1}})")), bad_request);
  BOOST_CHECK_THROW(parse_verification(doc(R"({"expectationId":17})")), bad_request);
  BOOST_CHECK_THROW(parse_verification(doc(R"({"httpRequest":{},"times":{"atLeast":"one"}})")), bad_request);
}

BOOST_AUTO_TEST_CASE(verify_failure_text_is_mockservers) {
  mock_state s;
  s.handle(get("/only"));
  auto failure = verify(s, R"({"httpRequest":{"path":"/missing"},"times":{"atLeast":1}})");
  BOOST_REQUIRE(failure.has_value());
  // One request in the log is shown as an object, not an array.
  BOOST_TEST(contains(*failure, "Request not found at least once, expected:<{"), *failure);
  BOOST_TEST(contains(*failure, "> but was:<{"), *failure);
  BOOST_TEST(contains(*failure, "\"/only\""), *failure);
  for (int i = 0; i < 9; ++i)
    s.handle(get("/more"));
  failure = verify(s, R"({"httpRequest":{"path":"/missing"},"times":{"atLeast":1}})");
  BOOST_REQUIRE(failure.has_value());
  BOOST_TEST(contains(*failure, "> but was not found, found 10 other requests"), *failure);
  failure = verify(s, R"({"httpRequest":{"path":"/missing"},"maximumNumberOfRequestToReturnInVerificationFailure":20})");
  BOOST_REQUIRE(failure.has_value());
  BOOST_TEST(contains(*failure, "> but was:<["), *failure);
}

BOOST_AUTO_TEST_CASE(verify_sequence_by_expectation_ids) {
  mock_state s;
  upsert(s, R"([{"id":"one","httpRequest":{"path":"/1"},"httpResponse":{}},{"id":"two","httpRequest":{"path":"/2"},"httpResponse":{}}])");
  s.handle(get("/1"));
  s.handle(get("/x"));
  s.handle(get("/2"));
  BOOST_TEST(!verify_sequence(s, R"({"expectationIds":[{"id":"one"},{"id":"two"}]})"));
  BOOST_TEST(!verify_sequence(s, R"({"expectationIds":["one","two"]})"));  // the JS client's verifySequenceById
  auto failure = verify_sequence(s, R"({"expectationIds":["two","one"]})");
  BOOST_REQUIRE(failure.has_value());
  BOOST_TEST(contains(*failure, "Request sequence not found, expected:<"), *failure);
  BOOST_TEST(!verify_sequence(s, R"({"httpRequests":[{"path":"/1"},{"path":"/x"},{"path":"/2"}]})"));
  BOOST_CHECK_THROW(parse_verification_sequence(doc(R"({"expectationIds":[7]})")), bad_request);
}

BOOST_AUTO_TEST_CASE(retrieve_request_responses_pairs_each_request_with_its_answer) {
  mock_state s;
  upsert(s, R"({"id":"pay","httpRequest":{"path":"/pay"},
                "httpResponse":{"statusCode":201,"headers":{"X-Id":["7"]},"body":{"status":"ok"}}})");
  s.handle(get("/pay"));
  s.handle(get("/nothing"));
  auto pairs = retrieve(s, retrieve_type::request_responses);
  BOOST_REQUIRE(pairs.IsArray() && pairs.Size() == 2u);
  BOOST_TEST(str(pairs[0]["httpRequest"], "path") == "/pay");
  BOOST_TEST(pairs[0]["httpResponse"]["statusCode"].GetInt() == 201);
  BOOST_TEST(str(pairs[0]["httpResponse"], "reasonPhrase") == "Created");
  BOOST_TEST(str(pairs[0]["httpResponse"]["body"], "status") == "ok");
  BOOST_TEST(std::string{pairs[0]["httpResponse"]["headers"]["X-Id"][0].GetString()} == "7");
  BOOST_TEST(!str(pairs[0], "timestamp").empty());
  // An unmatched request is paired with MockServer's 404.
  BOOST_TEST(str(pairs[1]["httpRequest"], "path") == "/nothing");
  BOOST_TEST(pairs[1]["httpResponse"]["statusCode"].GetInt() == 404);
  BOOST_TEST(str(pairs[1]["httpResponse"], "reasonPhrase") == "Not Found");
  // A request matcher filters on the request.
  auto filtered = retrieve(s, retrieve_type::request_responses, R"({"path":"/nothing"})");
  BOOST_TEST(filtered.Size() == 1u);
}

BOOST_AUTO_TEST_CASE(retrieve_recorded_expectations_turns_answered_requests_into_expectations) {
  mock_state s;
  upsert(s, R"({"id":"ship","httpRequest":{"path":"/ship"},"httpResponse":{"body":"boxed"}})");
  s.handle(recorded_request{"POST", "/ship", {}, {}, R"({"weight":2})"});
  s.handle(get("/unmatched"));  // not answered by an expectation: nothing to record
  auto recorded = retrieve(s, retrieve_type::recorded_expectations);
  BOOST_REQUIRE(recorded.IsArray() && recorded.Size() == 1u);
  const auto& e = recorded[0];
  BOOST_TEST(str(e["httpRequest"], "method") == "POST");
  BOOST_TEST(str(e["httpRequest"], "path") == "/ship");
  BOOST_TEST(e["httpRequest"]["body"]["weight"].GetInt() == 2);
  BOOST_TEST(str(e["httpResponse"], "body") == "boxed");
  BOOST_TEST(e["times"]["remainingTimes"].GetInt() == 1);
  BOOST_TEST(e["timeToLive"]["unlimited"].GetBool());
  // What comes back can be replayed as an expectation.
  mock_state replay;
  replay.upsert(parse_expectations(recorded));
  BOOST_TEST(answer(replay, recorded_request{"POST", "/ship", {}, {}, R"({"weight":2})"}) == "boxed");
  BOOST_TEST(retrieve(s, retrieve_type::recorded_expectations, R"({"path":"/other"})").Size() == 0u);
}

BOOST_AUTO_TEST_CASE(retrieve_logs_gives_mockserver_log_messages) {
  mock_state s;
  upsert(s, R"({"id":"email","httpRequest":{"path":"/email"},"httpResponse":{"statusCode":202}})");
  s.handle(get("/email"));
  s.handle(get("/nope"));
  auto logs = s.retrieve(retrieve_type::logs, std::nullopt);
  const std::string separator = "\n------------------------------------\n";
  BOOST_TEST(contains(logs, "creating expectation:"), logs);
  BOOST_TEST(contains(logs, "with id:"), logs);
  BOOST_TEST(contains(logs, "received request:"), logs);
  BOOST_TEST(contains(logs, "returning response:"), logs);
  BOOST_TEST(contains(logs, "from expectation:"), logs);
  BOOST_TEST(contains(logs, "no expectation for:"), logs);
  BOOST_TEST(contains(logs, separator), logs);
  BOOST_TEST(logs.back() == '\n');
  // "yyyy-MM-dd HH:mm:ss.SSS - " starts each message.
  BOOST_TEST(logs.size() > 26u);
  BOOST_TEST(logs.substr(4, 1) == "-");
  BOOST_TEST(logs.substr(23, 3) == " - ");
  // A filter keeps the messages about matching requests (and those about no request).
  auto filtered = s.retrieve(retrieve_type::logs, parse_filter(doc(R"({"path":"/nope"})")));
  BOOST_TEST(contains(filtered, "no expectation for:"), filtered);
  BOOST_TEST(!contains(filtered, "from expectation:"), filtered);  // the answer to /email is left out
  auto first = filtered.find("received request:");
  BOOST_TEST((first != std::string::npos && filtered.find("received request:", first + 1) == std::string::npos), filtered);
}

BOOST_AUTO_TEST_CASE(clear_by_id_also_clears_the_log_of_what_that_expectation_matches) {
  mock_state s;
  upsert(s, R"([{"id":"a","httpRequest":{"path":"/a"},"httpResponse":{}},{"id":"b","httpRequest":{"path":"/b"},"httpResponse":{}}])");
  s.handle(get("/a"));
  s.handle(get("/b"));
  s.clear(parse_clear_target(doc(R"({"id":"a"})")), clear_type::log);
  BOOST_TEST(retrieve(s, retrieve_type::active_expectations).Size() == 2u);
  auto left = retrieve(s, retrieve_type::requests);
  BOOST_REQUIRE(left.Size() == 1u);
  BOOST_TEST(str(left[0], "path") == "/b");
  s.clear(parse_clear_target(doc(R"({"id":"b"})")), clear_type::expectations);
  BOOST_TEST(retrieve(s, retrieve_type::active_expectations).Size() == 1u);
  BOOST_TEST(retrieve(s, retrieve_type::requests).Size() == 1u);
  // An unknown id clears nothing.
  s.clear(parse_clear_target(doc(R"({"id":"zzz"})")), clear_type::all);
  BOOST_TEST(retrieve(s, retrieve_type::active_expectations).Size() == 1u);
  BOOST_TEST(retrieve(s, retrieve_type::requests).Size() == 1u);
  s.clear(parse_clear_target(doc("{}")), clear_type::all);
  BOOST_TEST(retrieve(s, retrieve_type::active_expectations).Size() == 0u);
  BOOST_TEST(retrieve(s, retrieve_type::requests).Size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_filter_selects_expectations_by_their_whole_request_matcher) {
  mock_state s;
  upsert(s, R"([{"id":"json","httpRequest":{"method":"POST","path":"/pay","headers":{"X-Shop":["a"]},"body":{"amount":1}},"httpResponse":{}},
                {"id":"plain","httpRequest":{"method":"POST","path":"/pay","headers":{"X-Shop":["b"]}},"httpResponse":{}}])");
  auto ids_for = [&](const std::string& filter) {
    std::string out;
    auto active = retrieve(s, retrieve_type::active_expectations, filter);
    for (const auto& e : active.GetArray())
      out += (out.empty() ? "" : ",") + std::string{e["id"].GetString()};
    return out;
  };
  BOOST_TEST(ids_for(R"({"path":"/pay"})") == "json,plain");
  BOOST_TEST(ids_for(R"({"path":"/pay","headers":{"X-Shop":["b"]}})") == "plain");
  BOOST_TEST(ids_for(R"({"body":{"amount":1}})") == "json");
  BOOST_TEST(ids_for(R"({"method":"GET"})") == "");
  s.clear(parse_clear_target(doc(R"({"headers":{"X-Shop":["a"]}})")), clear_type::expectations);
  BOOST_TEST(ids_for("") == "plain");
}

BOOST_AUTO_TEST_CASE(control_parsers_accept_mockservers_forms_and_refuse_the_rest) {
  BOOST_TEST((parse_retrieve_type("") == retrieve_type::requests));
  BOOST_TEST((parse_retrieve_type("REQUEST_RESPONSES") == retrieve_type::request_responses));
  BOOST_TEST((parse_retrieve_type("recorded_expectations") == retrieve_type::recorded_expectations));
  BOOST_TEST((parse_retrieve_type("LOGS") == retrieve_type::logs));
  BOOST_CHECK_THROW(parse_retrieve_type("everything"), bad_request);
  BOOST_TEST((parse_clear_type("") == clear_type::all));
  BOOST_TEST((parse_clear_type("LOG") == clear_type::log));
  BOOST_TEST((parse_clear_type("expectations") == clear_type::expectations));
  BOOST_CHECK_THROW(parse_clear_type("some"), bad_request);
  // No filter: a missing body, the JS client's "" or {}.
  BOOST_TEST(!parse_filter(doc("null")).has_value());
  BOOST_TEST(!parse_filter(doc("\"\"")).has_value());
  BOOST_TEST(parse_filter(doc(R"({"httpRequest":{"path":"/x"}})")).has_value());
  BOOST_CHECK_THROW(parse_filter(doc("[1]")), bad_request);
  auto by_id = parse_clear_target(doc(R"({"id":"e1"})"));
  BOOST_TEST((by_id.id == std::optional<std::string>{"e1"}));
  BOOST_TEST(!parse_clear_target(doc("\"\"")).filter.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
