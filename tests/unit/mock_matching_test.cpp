// commerce-mock's matching rules as pure functions (integrations/mock/mock_model.hpp), checked
// against MockServer's semantics as GATEWAYS.md §1.2 describes them: string matchers (equal,
// equal ignoring case, whole-value case-insensitive regex, `not`, blank), JSON bodies
// (ONLY_MATCHING_FIELDS and STRICT, JsonUnit placeholders), body kinds, multi-value maps in both
// forms with subset semantics, and the errors parse_expectation reports as bad_request.
#include "integrations/mock/mock_model.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using namespace commerce::mock;

namespace {

rapidjson::Document doc(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError())
    throw std::logic_error("test JSON does not parse: " + text);
  return d;
}

string_matcher sm(const std::string& value, bool negate = false) { return string_matcher{value, negate}; }

/// json_subset() over two JSON texts.
bool subset(const std::string& expected, const std::string& actual) { return json_subset(doc(expected), doc(actual)); }

/// The body matcher parse_request_matcher builds from `{"body": <body_json>}`.
body_matcher body_of(const std::string& body_json) {
  return parse_request_matcher(doc("{\"body\":" + body_json + "}")).body;
}

request_matcher matcher(const std::string& json) { return parse_request_matcher(doc(json)); }

recorded_request request(multi_map headers, multi_map query = {}, std::string method = "GET",
                         std::string path = "/r", std::string body = "") {
  return recorded_request{std::move(method), std::move(path), std::move(query), std::move(headers), std::move(body)};
}

expectation expect(const std::string& json) { return parse_expectation(doc(json)); }

/// parse_expectation(json) throws bad_request whose text contains `word`.
bool rejects(const std::string& json, const std::string& word) {
  try {
    parse_expectation(doc(json));
  } catch (const bad_request& e) {
    if (std::string{e.what()}.find(word) != std::string::npos)
      return true;
    BOOST_TEST_MESSAGE("bad_request for " << json << " says \"" << e.what() << "\", expected it to mention \"" << word
                                          << "\"");
    return false;
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("not a bad_request for " << json << ": " << e.what());
    return false;
  }
  BOOST_TEST_MESSAGE("accepted: " << json);
  return false;
}

const char* const minimal_response = R"("httpResponse":{"statusCode":200})";

/// `{"a":` n times around `leaf`: a document nested n + (leaf's own) levels deep.
std::string nested_objects(size_t n, const std::string& leaf = "1") {
  std::string out;
  out.reserve(n * 6 + leaf.size());
  for (size_t i = 0; i < n; ++i)
    out += "{\"a\":";
  out += leaf;
  out.append(n, '}');
  return out;
}

/// Parses a (possibly very deep) test document without recursion.
rapidjson::Document deep_doc(const std::string& text) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (d.HasParseError())
    throw std::logic_error("test JSON does not parse");
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mock_matching)

// ---------------------------------------------------------------------------------------------
// String matching (RegexStringMatcher / NottableString)

BOOST_AUTO_TEST_CASE(string_matcher_exact_and_case_insensitive) {
  BOOST_TEST(sm("/api/v1/payments").matches("/api/v1/payments"));
  BOOST_TEST(sm("/Orders").matches("/orders"));
  BOOST_TEST(sm("post").matches("POST"));
  BOOST_TEST(sm("Content-Type").matches("content-type"));
  BOOST_TEST(!sm("/api/v1/payments").matches("/api/v1/refunds"));
  BOOST_TEST(!sm("/api/v1/payments").matches("/api/v1/payments/"));
}

BOOST_AUTO_TEST_CASE(string_matcher_regex_must_match_the_whole_value) {
  BOOST_TEST(sm("/api/v1/payments/.+").matches("/api/v1/payments/pay_test_123"));
  BOOST_TEST(!sm("/api/v1/payments/.+").matches("/api/v1/payments/"));
  BOOST_TEST(!sm("/api/v1/payments/.+").matches("/api/v1/refunds/1"));
  BOOST_TEST(sm("/v3/payments/.*").matches("/v3/payments/"));
  // A partial match is not enough (Matcher.matches(), not find()).
  BOOST_TEST(!sm("payments").matches("/v3/payments"));
  BOOST_TEST(!sm("/v3/pay").matches("/v3/payments"));
  BOOST_TEST(!sm("[0-9]+").matches("abc123"));
  // The regex is case-insensitive too.
  BOOST_TEST(sm("/API/V1/PAYMENTS/[a-z_0-9]+").matches("/api/v1/payments/PAY_1"));
  BOOST_TEST(sm("P(OST|UT)").matches("put"));
  BOOST_TEST(sm("Bearer .+").matches("Bearer sk_test_1"));
  BOOST_TEST(!sm("Bearer .+").matches("Basic abc"));
}

BOOST_AUTO_TEST_CASE(string_matcher_accepts_java_regex_syntax) {
  // What MockServer users write (java.util.regex): classes, inline flags, named groups,
  // possessive quantifiers, lookbehind, quoting.
  BOOST_TEST(sm(R"(/v1/orders/\d+)").matches("/v1/orders/42"));
  BOOST_TEST(!sm(R"(/v1/orders/\d+)").matches("/v1/orders/4x"));
  BOOST_TEST(sm("/v1/[a-z]+/.*").matches("/v1/orders/42/items"));
  BOOST_TEST(sm("(?i)/ORDERS/[a-z]+").matches("/orders/abc"));
  BOOST_TEST(sm(R"(/orders/(?<id>\d+))").matches("/orders/7"));
  BOOST_TEST(sm(R"(/a++b)").matches("/aaab"));
  BOOST_TEST(sm(R"(/x/(?<!y)z)").matches("/x/z"));
  BOOST_TEST(sm(R"(\Q/a.b\E)").matches("/a.b"));
  BOOST_TEST(!sm(R"(\Q/a.b\E)").matches("/axb"));
}

BOOST_AUTO_TEST_CASE(regex_against_a_megabyte_subject_answers_without_crashing) {
  // std::regex recursed once per character here and overflowed the stack.
  const std::string long_path = "/" + std::string(1 << 20, 'a');
  BOOST_TEST(!sm("/(a|b)*c").matches(long_path));
  BOOST_TEST(!sm("/.*x").matches(long_path));
  BOOST_TEST(sm("/.*x").matches(long_path + "x"));
  BOOST_TEST(!sm("/(a|aa)*c").matches(long_path));  // exponential backtracking: a limit stops it
  auto regex_body = body_of(R"({"type":"REGEX","regex":"(a|b)*c"})");
  BOOST_TEST(!regex_body.matches(std::string(1 << 20, 'b')));
  BOOST_TEST(regex_body.matches("ababc"));
}

BOOST_AUTO_TEST_CASE(string_matcher_regex_is_dotall) {
  // MockServer compiles with DOTALL: "." also matches line breaks.
  BOOST_TEST(sm("first.*last").matches("first\nsecond\nlast"));
}

BOOST_AUTO_TEST_CASE(string_matcher_invalid_regex_falls_back_to_literal) {
  BOOST_TEST(sm("/a/([").matches("/a/(["));
  BOOST_TEST(sm("/A/([").matches("/a/(["));
  BOOST_TEST(!sm("/a/([").matches("/a/b"));
}

BOOST_AUTO_TEST_CASE(string_matcher_not_inverts) {
  BOOST_TEST(!sm("/api/v1/payments", true).matches("/api/v1/payments"));
  BOOST_TEST(!sm("/API/V1/PAYMENTS", true).matches("/api/v1/payments"));
  BOOST_TEST(sm("/api/v1/payments", true).matches("/api/v1/refunds"));
  BOOST_TEST(!sm("/api/.*", true).matches("/api/v1/refunds"));
  BOOST_TEST(sm("GET", true).matches("POST"));
  // The {"not": true, "value": ...} form parses into a negated matcher.
  auto m = matcher(R"({"method":{"not":true,"value":"GET"},"path":{"value":"/r"}})");
  BOOST_REQUIRE(m.method.has_value());
  BOOST_TEST(m.method->negate);
  BOOST_TEST(m.method->value == "GET");
  BOOST_TEST(!m.path->negate);
  BOOST_TEST(m.matches(request({}, {}, "POST")));
  BOOST_TEST(!m.matches(request({}, {}, "GET")));
}

BOOST_AUTO_TEST_CASE(blank_string_matcher_matches_anything) {
  BOOST_TEST(sm("").matches(""));
  BOOST_TEST(sm("").matches("/anything"));
  BOOST_TEST(sm("").matches("DELETE"));
  // A matcher with no method and no path matches every request.
  request_matcher any = matcher("{}");
  BOOST_TEST(any.matches(request({}, {}, "PATCH", "/x/y", "body")));
  BOOST_TEST(matcher(R"({"path":""})").matches(request({}, {}, "GET", "/whatever")));
}

// ---------------------------------------------------------------------------------------------
// JSON ONLY_MATCHING_FIELDS (json_subset)

BOOST_AUTO_TEST_CASE(json_subset_ignores_extra_fields) {
  BOOST_TEST(subset(R"({"amount":350.00})", R"({"amount":350.00,"currency":"RUB","order_id":7})"));
  BOOST_TEST(subset(R"({})", R"({"a":1})"));
  BOOST_TEST(!subset(R"({"amount":350.00,"currency":"RUB"})", R"({"amount":350.00})"));
  BOOST_TEST(!subset(R"({"currency":"RUB"})", R"({"currency":"USD"})"));
  BOOST_TEST(!subset(R"({"a":1})", R"([{"a":1}])"));
}

BOOST_AUTO_TEST_CASE(json_subset_nested) {
  BOOST_TEST(subset(R"({"amount":{"value":"100.00"}})",
                    R"({"amount":{"value":"100.00","currency":"RUB"},"capture":true,"confirmation":{"type":"redirect"}})"));
  BOOST_TEST(!subset(R"({"amount":{"value":"100.00"}})", R"({"amount":{"value":"200.00","currency":"RUB"}})"));
  BOOST_TEST(!subset(R"({"amount":{"value":"100.00"}})", R"({"amount":"100.00"})"));
  BOOST_TEST(subset(R"({"a":{"b":{"c":[{"d":true}]}}})", R"({"a":{"b":{"c":[{"x":1},{"d":true,"e":null}]},"z":0}})"));
}

BOOST_AUTO_TEST_CASE(json_subset_ignores_array_order_and_extra_items) {
  BOOST_TEST(subset(R"([1,2,3])", R"([3,1,2])"));
  BOOST_TEST(subset(R"({"items":[{"sku":"B"},{"sku":"A"}]})",
                    R"({"items":[{"sku":"A","quantity":1},{"sku":"B","quantity":2}]})"));
  BOOST_TEST(subset(R"({"items":[{"sku":"A"}]})", R"({"items":[{"sku":"C"},{"sku":"A"},{"sku":"B"}]})"));
  BOOST_TEST(subset(R"([])", R"([1])"));
  BOOST_TEST(!subset(R"({"items":[{"sku":"D"}]})", R"({"items":[{"sku":"A"},{"sku":"B"}]})"));
  // Each expected item needs its own actual item.
  BOOST_TEST(!subset(R"([1,1])", R"([1,2])"));
  BOOST_TEST(subset(R"([1,1])", R"([1,2,1])"));
  BOOST_TEST(!subset(R"([1])", R"({"0":1})"));
}

BOOST_AUTO_TEST_CASE(json_subset_numbers_compare_by_value) {
  // The document's shipping quote: json.dumps(250.00) sends 250.0.
  BOOST_TEST(subset(R"({"cost":250})", R"({"cost":250.0})"));
  BOOST_TEST(subset(R"({"cost":250.0})", R"({"cost":250})"));
  BOOST_TEST(subset(R"({"cost":250.00})", R"({"cost":250})"));
  BOOST_TEST(!subset(R"({"cost":250})", R"({"cost":250.5})"));
  BOOST_TEST(!subset(R"({"cost":250})", R"({"cost":"250"})"));
  BOOST_TEST(!subset(R"({"paid":true})", R"({"paid":"true"})"));
  BOOST_TEST(!subset(R"({"next_page":null})", R"({"next_page":2})"));
  BOOST_TEST(subset(R"({"next_page":null})", R"({"next_page":null})"));
}

BOOST_AUTO_TEST_CASE(json_subset_json_unit_placeholders) {
  BOOST_TEST(subset(R"({"id":"${json-unit.any-string}"})", R"({"id":"pay_test_123"})"));
  BOOST_TEST(!subset(R"({"id":"${json-unit.any-string}"})", R"({"id":123})"));
  BOOST_TEST(subset(R"({"amount":"${json-unit.any-number}"})", R"({"amount":350.00})"));
  BOOST_TEST(subset(R"({"amount":"${json-unit.any-number}"})", R"({"amount":3})"));
  BOOST_TEST(!subset(R"({"amount":"${json-unit.any-number}"})", R"({"amount":"350.00"})"));
  BOOST_TEST(subset(R"({"meta":"${json-unit.ignore}"})", R"({"meta":{"a":[1,2]}})"));
  BOOST_TEST(subset(R"({"meta":"${json-unit.ignore}"})", R"({"meta":null})"));
  BOOST_TEST(subset(R"({"items":[{"sku":"${json-unit.any-string}","quantity":"${json-unit.any-number}"}]})",
                    R"({"items":[{"sku":"A-1","quantity":2}]})"));
}

BOOST_AUTO_TEST_CASE(json_subset_json_unit_any_boolean) {
  BOOST_TEST(subset(R"({"paid":"${json-unit.any-boolean}"})", R"({"paid":false})"));
  BOOST_TEST(!subset(R"({"paid":"${json-unit.any-boolean}"})", R"({"paid":"no"})"));
}

// ---------------------------------------------------------------------------------------------
// JSON STRICT

BOOST_AUTO_TEST_CASE(json_strict_requires_the_exact_structure) {
  auto strict = body_of(R"({"type":"JSON","json":{"id":"pay_1","items":[1,2]},"matchType":"STRICT"})");
  BOOST_REQUIRE((strict.type == body_matcher::kind::json_strict));
  BOOST_TEST(strict.matches(R"({"id":"pay_1","items":[1,2]})"));
  BOOST_TEST(strict.matches(R"({"items":[1,2],"id":"pay_1"})"));  // member order is not structure
  BOOST_TEST(strict.matches("{ \"id\" : \"pay_1\",\n  \"items\" : [ 1, 2 ] }"));
  BOOST_TEST(!strict.matches(R"({"id":"pay_1","items":[1,2],"extra":true})"));
  BOOST_TEST(!strict.matches(R"({"id":"pay_1"})"));
  BOOST_TEST(!strict.matches(R"({"id":"pay_1","items":[2,1]})"));
  BOOST_TEST(!strict.matches(R"({"id":"pay_1","items":[1,2,3]})"));
  BOOST_TEST(!strict.matches("not json"));
  // Numbers still compare by value.
  auto cost = body_of(R"({"type":"JSON","json":{"cost":250},"matchType":"STRICT"})");
  BOOST_TEST(cost.matches(R"({"cost":250.0})"));
  // The same matcher without matchType is lenient.
  auto lenient = body_of(R"({"type":"JSON","json":{"id":"pay_1","items":[1,2]}})");
  BOOST_TEST((lenient.type == body_matcher::kind::json_subset));
  BOOST_TEST(lenient.matches(R"({"id":"pay_1","items":[2,3,1],"extra":true})"));
}

BOOST_AUTO_TEST_CASE(json_strict_honours_json_unit_placeholders) {
  // JsonUnit resolves placeholders in every match type.
  auto strict = body_of(R"({"type":"JSON","json":{"id":"${json-unit.any-string}","amount":1000},"matchType":"STRICT"})");
  BOOST_TEST(strict.matches(R"({"id":"pay_mock_1","amount":1000})"));
  BOOST_TEST(!strict.matches(R"({"id":"pay_mock_1","amount":1000,"currency":"RUB"})"));
}

// ---------------------------------------------------------------------------------------------
// Body kinds as parsed (BodyDTODeserializer)

BOOST_AUTO_TEST_CASE(body_kinds_from_parse) {
  BOOST_TEST((matcher("{}").body.type == body_matcher::kind::any));
  BOOST_TEST(matcher("{}").body.matches("anything at all"));

  auto exact = body_of(R"("amount=350.00&currency=RUB")");
  BOOST_TEST((exact.type == body_matcher::kind::exact));
  BOOST_TEST(exact.matches("amount=350.00&currency=RUB"));
  BOOST_TEST(!exact.matches("amount=350.00&currency=RUB&x=1"));
  BOOST_TEST(!exact.matches("amount=350.00"));

  auto typed_exact = body_of(R"({"type":"STRING","string":"hello"})");
  BOOST_TEST((typed_exact.type == body_matcher::kind::exact));
  BOOST_TEST(typed_exact.matches("hello"));
  BOOST_TEST(!typed_exact.matches("hello world"));

  auto sub = body_of(R"({"type":"STRING","string":"order_confirmation","subString":true})");
  BOOST_TEST((sub.type == body_matcher::kind::substring));
  BOOST_TEST(sub.matches(R"({"template":"order_confirmation","to":"a@example.com"})"));
  BOOST_TEST(!sub.matches(R"({"template":"password_reset"})"));

  auto regex = body_of(R"({"type":"REGEX","regex":".*\"amount\": ?1000.*"})");
  BOOST_TEST((regex.type == body_matcher::kind::regex));
  BOOST_TEST(regex.matches(R"({"amount": 1000, "currency": "RUB"})"));
  BOOST_TEST(!regex.matches(R"({"amount": 2000})"));
  BOOST_TEST(!body_of(R"({"type":"REGEX","regex":"amount"})").matches("the amount is 5"));  // whole value

  auto json_text = body_of(R"({"type":"JSON","json":"{\"order_id\":7}"})");
  BOOST_TEST((json_text.type == body_matcher::kind::json_subset));
  BOOST_TEST(json_text.matches(R"({"order_id":7,"amount":350.00})"));

  auto plain_object = body_of(R"({"order_id":7,"currency":"RUB"})");
  BOOST_TEST((plain_object.type == body_matcher::kind::json_subset));
  BOOST_TEST(plain_object.matches(R"({"currency":"RUB","order_id":7,"amount":1})"));
  BOOST_TEST(!plain_object.matches(R"({"order_id":8,"currency":"RUB"})"));
  BOOST_TEST(!plain_object.matches("order_id=7"));

  auto plain_array = body_of(R"([{"sku":"A"}])");
  BOOST_TEST((plain_array.type == body_matcher::kind::json_subset));
  BOOST_TEST(plain_array.matches(R"([{"sku":"B"},{"sku":"A","quantity":1}])"));
}

BOOST_AUTO_TEST_CASE(regex_body_matches_multi_line_bodies) {
  // MockServer's regexes are DOTALL: a pretty-printed JSON body still matches ".*...*".
  auto regex = body_of(R"({"type":"REGEX","regex":".*order_confirmation.*"})");
  BOOST_TEST(regex.matches("{\n  \"template\": \"order_confirmation\",\n  \"to\": \"a@example.com\"\n}"));
}

BOOST_AUTO_TEST_CASE(plain_object_with_a_non_body_type_member_is_json) {
  // BodyDTODeserializer ignores a "type" that is not a Body.Type and falls back to JSON
  // (ONLY_MATCHING_FIELDS): notification bodies often carry a "type" of their own.
  body_matcher b;
  BOOST_REQUIRE_NO_THROW(b = body_of(R"({"type":"order_confirmation","order_id":7})"));
  BOOST_TEST((b.type == body_matcher::kind::json_subset));
  BOOST_TEST(b.matches(R"({"type":"order_confirmation","order_id":7,"to":"a@example.com"})"));
  BOOST_TEST(!b.matches(R"({"type":"password_reset","order_id":7})"));
}

// ---------------------------------------------------------------------------------------------
// Multi-value maps: both forms, subset semantics

BOOST_AUTO_TEST_CASE(multi_value_object_and_array_forms_are_equivalent) {
  auto object_form = matcher(R"({"headers":{"X-Tag":["a","b"],"Idempotency-Key":"k-1"}})");
  auto array_form =
    matcher(R"({"headers":[{"name":"X-Tag","values":["a","b"]},{"name":"Idempotency-Key","values":["k-1"]}]})");
  BOOST_REQUIRE(object_form.headers.size() == 2u);
  BOOST_REQUIRE(array_form.headers.size() == 2u);
  for (size_t i = 0; i < 2; ++i) {
    BOOST_TEST(object_form.headers[i].first.value == array_form.headers[i].first.value);
    BOOST_REQUIRE(object_form.headers[i].second.size() == array_form.headers[i].second.size());
    for (size_t j = 0; j < object_form.headers[i].second.size(); ++j)
      BOOST_TEST(object_form.headers[i].second[j].value == array_form.headers[i].second[j].value);
  }
  auto hit = request({{"X-Tag", {"b", "a"}}, {"Idempotency-Key", {"k-1"}}, {"Host", {"h"}}});
  BOOST_TEST(object_form.matches(hit));
  BOOST_TEST(array_form.matches(hit));
  auto miss = request({{"X-Tag", {"a"}}, {"Idempotency-Key", {"k-1"}}});
  BOOST_TEST(!object_form.matches(miss));
  BOOST_TEST(!array_form.matches(miss));

  // keyMatchStyle is a setting, not a header.
  auto styled = matcher(R"({"queryStringParameters":{"keyMatchStyle":"SUB_SET","page":["2"]}})");
  BOOST_REQUIRE(styled.query.size() == 1u);
  BOOST_TEST(styled.query[0].first.value == "page");
  BOOST_TEST(styled.matches(request({}, {{"page", {"2"}}})));
}

BOOST_AUTO_TEST_CASE(multi_value_subset_semantics) {
  auto m = matcher(R"({"headers":{"Authorization":["Bearer .+"],"content-type":["application/json"]},
                       "queryStringParameters":[{"name":"page","values":["[0-9]+"]}]})");
  multi_map headers = {{"Host", {"127.0.0.1"}},
                       {"Content-Type", {"application/json"}},
                       {"Authorization", {"Bearer sk_test"}},
                       {"Idempotency-Key", {"k"}}};
  BOOST_TEST(m.matches(request(headers, {{"page", {"3"}}, {"sort", {"name"}}})));  // extra names are fine
  BOOST_TEST(!m.matches(request(headers, {{"page", {"three"}}})));                 // value regex fails
  BOOST_TEST(!m.matches(request(headers, {})));                                     // query name missing
  BOOST_TEST(!m.matches(request({{"Content-Type", {"application/json"}}}, {{"page", {"3"}}})));  // header missing
  BOOST_TEST(!m.matches(request({{"Content-Type", {"text/plain"}}, {"Authorization", {"Bearer x"}}}, {{"page", {"3"}}})));
  // Extra values of a named header are fine too.
  auto tag = matcher(R"({"headers":{"X-Tag":["a"]}})");
  BOOST_TEST(tag.matches(request({{"X-Tag", {"b", "a", "c"}}})));
  BOOST_TEST(!tag.matches(request({{"X-Tag", {"b", "c"}}})));
  // A name with no values only needs to be present.
  auto present = matcher(R"({"headers":[{"name":"Idempotency-Key"}]})");
  BOOST_TEST(present.matches(request({{"idempotency-key", {"anything"}}})));
  BOOST_TEST(!present.matches(request({{"Host", {"h"}}})));
  // A negated value: the header must carry something else.
  auto not_value = matcher(R"({"headers":{"X-Env":[{"not":true,"value":"prod"}]}})");
  BOOST_TEST(not_value.matches(request({{"X-Env", {"test"}}})));
  BOOST_TEST(!not_value.matches(request({{"X-Env", {"prod"}}})));
}

BOOST_AUTO_TEST_CASE(multi_value_parse_errors) {
  BOOST_CHECK_THROW(matcher(R"({"headers":"X-Tag: a"})"), bad_request);
  BOOST_CHECK_THROW(matcher(R"({"headers":[{"values":["a"]}]})"), bad_request);
  BOOST_CHECK_THROW(matcher(R"({"queryStringParameters":[1]})"), bad_request);
  BOOST_CHECK_THROW(matcher(R"({"headers":{"X-Tag":[1]}})"), bad_request);
}

// ---------------------------------------------------------------------------------------------
// parse_expectation

BOOST_AUTO_TEST_CASE(parse_expectation_defaults_and_fields) {
  auto e = expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},
                      "httpResponse":{"statusCode":201,"body":"{}"}})");
  BOOST_TEST(e.id.empty());
  BOOST_TEST(e.priority == 0);
  BOOST_TEST(!e.remaining.has_value());
  BOOST_TEST(!e.expires_at.has_value());
  BOOST_REQUIRE(e.response.has_value());
  BOOST_TEST(!e.error.has_value());
  BOOST_TEST(e.response->status == 201);
  BOOST_TEST(e.response->body == "{}");
  BOOST_TEST(!e.response->json_body);
  BOOST_TEST(e.response->delay.count() == 0);
  BOOST_TEST(e.request.method->value == "POST");
  BOOST_TEST(e.request.path->value == "/api/v1/payments");

  auto full = expect(R"({"id":"pay-create","priority":-5,"httpRequest":{"path":"/p"},
                         "httpResponse":{"body":{"cost":250.00},"headers":[{"name":"X-A","values":["1","2"]}],
                                         "delay":{"timeUnit":"SECONDS","value":2}},
                         "times":{"remainingTimes":3,"unlimited":false},
                         "timeToLive":{"timeUnit":"SECONDS","timeToLive":60,"unlimited":false}})");
  BOOST_TEST(full.id == "pay-create");
  BOOST_TEST(full.priority == -5);
  BOOST_TEST(full.response->status == 200);
  BOOST_TEST(full.response->json_body);
  BOOST_TEST(full.response->delay.count() == 2000);
  BOOST_REQUIRE(full.response->headers.size() == 1u);
  BOOST_TEST(full.response->headers[0].second.size() == 2u);
  BOOST_TEST((full.remaining == std::optional<int64_t>{3}));
  BOOST_REQUIRE(full.expires_at.has_value());
  auto left = *full.expires_at - std::chrono::steady_clock::now();
  BOOST_TEST((left > std::chrono::seconds(55)));
  BOOST_TEST((left <= std::chrono::seconds(60)));

  auto unlimited = expect(R"({"httpResponse":{},"times":{"unlimited":true},"timeToLive":{"unlimited":true}})");
  BOOST_TEST(!unlimited.remaining.has_value());
  BOOST_TEST(!unlimited.expires_at.has_value());

  auto err = expect(R"({"httpRequest":{"path":"/x"},"httpError":{"dropConnection":true,
                        "delay":{"timeUnit":"MILLISECONDS","value":300}}})");
  BOOST_REQUIRE(err.error.has_value());
  BOOST_TEST(!err.response.has_value());
  BOOST_TEST(err.error->drop_connection);
  BOOST_TEST(err.error->delay.count() == 300);

  auto typed_json = expect(R"({"httpResponse":{"body":{"type":"JSON","json":{"id":"r1"}}}})");
  BOOST_TEST(typed_json.response->json_body);
  auto doc_json = doc(typed_json.response->body);
  BOOST_TEST(std::string{doc_json["id"].GetString()} == "r1");
  auto typed_string = expect(R"({"httpResponse":{"body":{"type":"STRING","string":"plain"}}})");
  BOOST_TEST(!typed_string.response->json_body);
  BOOST_TEST(typed_string.response->body == "plain");
}

BOOST_AUTO_TEST_CASE(parse_expectation_errors_are_bad_request) {
  BOOST_TEST(rejects(R"({"httpRequest":{"path":"/x"}})", "action"));
  BOOST_TEST(rejects(R"({"httpRequest":{"path":"/x"},"httpResponse":{},"httpError":{"dropConnection":true}})",
                     "action"));
  BOOST_TEST(rejects(R"([])", "object"));
  BOOST_TEST(rejects(R"({"httpRequest":"/x",)" + std::string{minimal_response} + "}", "httpRequest"));
  BOOST_TEST(rejects(R"({"httpResponse":{"statusCode":"201"}})", "statusCode"));
  BOOST_TEST(rejects(R"({"httpResponse":{"statusCode":99}})", "statusCode"));
  BOOST_TEST(rejects(R"({"httpResponse":{"statusCode":600}})", "statusCode"));
  BOOST_TEST(rejects(R"({"httpResponse":{"statusCode":201.5}})", "statusCode"));
  BOOST_TEST(rejects(R"({"httpResponse":"ok"})", "httpResponse"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"times":{"remainingTimes":-1}})", "remainingTimes"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"times":{"remainingTimes":"3"}})", "remainingTimes"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"times":3})", "times"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"timeToLive":{"timeUnit":"FORTNIGHTS","timeToLive":1}})", "timeUnit"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"timeToLive":{"timeUnit":"SECONDS","timeToLive":-1}})", "timeToLive"));
  BOOST_TEST(rejects(R"({"httpResponse":{"delay":{"timeUnit":"SECONDS","value":"1"}}})", "delay"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"priority":"high"})", "priority"));
  BOOST_TEST(rejects(R"({"httpResponse":{},"id":42})", "id"));
  BOOST_TEST(rejects(R"({"httpRequest":{"path":7},)" + std::string{minimal_response} + "}", "path"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"XML","xml":"<a/>"}},)" + std::string{minimal_response} + "}",
                     "XML"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"JSON_PATH","jsonPath":"$.id"}},)" +
                       std::string{minimal_response} + "}",
                     "JSON_PATH"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"REGEX","regex":"(["}},)" + std::string{minimal_response} + "}",
                     "regex"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"REGEX"}},)" + std::string{minimal_response} + "}", "regex"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"JSON"}},)" + std::string{minimal_response} + "}", "json"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"JSON","json":"{not json"}},)" + std::string{minimal_response} +
                       "}",
                     "JSON"));
  BOOST_TEST(rejects(R"({"httpResponse":{"body":{"type":"BINARY","base64Bytes":"AA=="}}})", "BINARY"));
}

// ---------------------------------------------------------------------------------------------
// The request as retrieve renders it

BOOST_AUTO_TEST_CASE(write_request_renders_json_bodies_as_json) {
  auto render = [](const recorded_request& r) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    write_request(w, r);
    return doc(std::string{buf.GetString(), buf.GetSize()});
  };
  auto json = render(recorded_request{"POST", "/api/v1/shipping/calculate", {{"page", {"1", "2"}}},
                                      {{"Content-Type", {"application/json"}}}, R"({"weight":1.5,"city":"Moscow"})"});
  BOOST_TEST(std::string{json["method"].GetString()} == "POST");
  BOOST_TEST(std::string{json["path"].GetString()} == "/api/v1/shipping/calculate");
  BOOST_REQUIRE(json["body"].IsObject());
  BOOST_TEST(json["body"]["weight"].GetDouble() == 1.5);
  BOOST_TEST(json["queryStringParameters"]["page"].Size() == 2u);
  BOOST_TEST(std::string{json["headers"]["Content-Type"][0].GetString()} == "application/json");

  auto text = render(recorded_request{"POST", "/form", {}, {}, "a=1&b=2"});
  BOOST_REQUIRE(text["body"].IsString());
  BOOST_TEST(std::string{text["body"].GetString()} == "a=1&b=2");
  auto none = render(recorded_request{"GET", "/x", {}, {}, ""});
  BOOST_TEST(!none.HasMember("body"));
}

BOOST_AUTO_TEST_CASE(json_unit_regex_placeholders_match_whole_and_case_sensitive) {
  auto b = body_of(R"({"type":"JSON","json":{"id":"${json-unit.regex}pay_[0-9]+"}})");
  BOOST_TEST(b.matches(R"({"id":"pay_12","amount":1})"));
  BOOST_TEST(!b.matches(R"({"id":"PAY_12"})"));   // JsonUnit compiles with no flags
  BOOST_TEST(!b.matches(R"({"id":"pay_12x"})"));  // the whole value
  BOOST_TEST(!b.matches(R"({"id":12})"));
  BOOST_TEST(subset(R"({"id":"${json-unit.regex}\\d+"})", R"({"id":"42"})"));
  BOOST_TEST(rejects(R"({"httpRequest":{"body":{"type":"JSON","json":{"id":"${json-unit.regex}(["}}},)" +
                       std::string{minimal_response} + "}",
                     "regex"));
}

// ---------------------------------------------------------------------------------------------
// Bounded work on untrusted data

BOOST_AUTO_TEST_CASE(parse_json_refuses_more_than_64_levels) {
  auto arrays = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  BOOST_TEST(parse_json(arrays(64), "the body").IsArray());
  BOOST_CHECK_THROW(parse_json(arrays(65), "the body"), bad_request);
  BOOST_CHECK_THROW(parse_json("{\"a\":" + arrays(200000) + "}", "the body"), bad_request);
  BOOST_CHECK_THROW(parse_json("[1,", "the body"), bad_request);
  try {
    parse_json(arrays(65), "the body");
  } catch (const bad_request& e) {
    BOOST_TEST(std::string{e.what()} == "the body nests deeper than 64 levels");
  }
  rapidjson::Document d;
  BOOST_TEST((parse_bounded_json(nested_objects(64), d) == json_parse_status::ok));
  BOOST_TEST((parse_bounded_json(nested_objects(65), d) == json_parse_status::too_deep));
  BOOST_TEST(d.IsNull());
  BOOST_TEST((parse_bounded_json("{\"a\":[1,{\"b\":\"\\u00e9\"}]}", d) == json_parse_status::ok));
  BOOST_TEST(std::string{d["a"][1]["b"].GetString()} == "\xc3\xa9");
  BOOST_TEST(!nests_deeper_than(deep_doc(nested_objects(64))));
  BOOST_TEST(nests_deeper_than(deep_doc(nested_objects(65))));
}

BOOST_AUTO_TEST_CASE(a_deeply_nested_expectation_is_bad_request) {
  auto deep = deep_doc(R"({"httpRequest":{"body":)" + nested_objects(200000) + "}," + minimal_response + "}");
  BOOST_CHECK_THROW(parse_expectation(deep), bad_request);
  auto deep_response = deep_doc(R"({"httpResponse":{"body":)" + nested_objects(200000) + "}}");
  BOOST_CHECK_THROW(parse_expectation(deep_response), bad_request);
  try {
    parse_expectation(deep);
  } catch (const bad_request& e) {
    BOOST_TEST(std::string{e.what()}.find("64") != std::string::npos, e.what());
  }
  // 64 levels in all are fine: the expectation, httpRequest, and a body of 62.
  BOOST_CHECK_NO_THROW(parse_expectation(
    deep_doc(R"({"httpRequest":{"body":)" + nested_objects(62) + "}," + minimal_response + "}")));
  BOOST_CHECK_THROW(parse_expectation(
                      deep_doc(R"({"httpRequest":{"body":)" + nested_objects(63) + "}," + minimal_response + "}")),
                    bad_request);
}

BOOST_AUTO_TEST_CASE(a_request_body_deeper_than_the_limit_does_not_match_a_json_matcher) {
  auto anything = body_of(R"({"type":"JSON","json":{}})");
  BOOST_TEST(anything.matches(nested_objects(64)));
  BOOST_TEST(!anything.matches(nested_objects(65)));
  BOOST_TEST(!anything.matches(nested_objects(200000)));
  auto strict = body_of(R"({"type":"JSON","json":{"a":{"a":"${json-unit.ignore}"}},"matchType":"STRICT"})");
  BOOST_TEST(strict.matches(nested_objects(5)));
  BOOST_TEST(!strict.matches(nested_objects(200000)));
  // json_subset / json_strict on documents built elsewhere stop at the limit too.
  auto deep = deep_doc(nested_objects(200000));
  BOOST_TEST(!json_strict(deep, deep));
  BOOST_TEST(!json_subset(deep, deep));
}

BOOST_AUTO_TEST_CASE(write_request_renders_a_too_deep_body_as_text) {
  const auto body = nested_objects(200000);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  write_request(w, recorded_request{"POST", "/deep", {}, {}, body});
  auto json = doc(std::string{buf.GetString(), buf.GetSize()});
  BOOST_REQUIRE(json["body"].IsString());
  BOOST_TEST(json["body"].GetStringLength() == body.size());
}

BOOST_AUTO_TEST_CASE(response_headers_and_reason_cannot_carry_cr_or_lf) {
  BOOST_TEST(rejects(R"({"httpResponse":{"headers":{"X-A":["ok\r\nSet-Cookie: s=1"]}}})", "CR"));
  BOOST_TEST(rejects(R"({"httpResponse":{"headers":{"X-A":"ok\nX-B: 1"}}})", "CR"));
  BOOST_TEST(rejects(R"({"httpResponse":{"headers":{"X-A\r\nX-B":["1"]}}})", "CR"));
  BOOST_TEST(rejects(R"({"httpResponse":{"headers":[{"name":"X-A","values":["a\rb"]}]}})", "CR"));
  BOOST_TEST(rejects(R"({"httpResponse":{"reasonPhrase":"OK\r\nX-B: 1"}})", "CR"));
  BOOST_TEST(rejects(R"({"httpResponse":{"body":{"type":"STRING","string":"x","contentType":"text/plain\r\nX-B: 1"}}})",
                     "CR"));
  BOOST_CHECK_NO_THROW(expect(R"({"httpResponse":{"headers":{"X-A":["a b, c"]},"reasonPhrase":"Fine"}})"));
}

BOOST_AUTO_TEST_SUITE_END()
