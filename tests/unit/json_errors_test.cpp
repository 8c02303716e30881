#include "common/url.hpp"
#include "http/errors.hpp"
#include "http/json.hpp"
#include "http/pagination.hpp"
#include "integrations/untrusted_json.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

using namespace commerce;
using namespace commerce::http;

BOOST_AUTO_TEST_SUITE(json_errors)

BOOST_AUTO_TEST_CASE(problem_renders_in_the_api_shape) {
  auto body = render_problem(actors::problem::validation({{"items.0.quantity", {"must be between 1 and 999"}}}));
  BOOST_TEST(body == R"({"error":{"code":"validation_error","message":"invalid input","fields":{"items.0.quantity":["must be between 1 and 999"]}}})");
  BOOST_TEST(render_problem(actors::problem::not_found("no such \"thing\"")) ==
             R"({"error":{"code":"not_found","message":"no such \"thing\"","fields":{}}})");
}

BOOST_AUTO_TEST_CASE(codes_map_to_statuses) {
  BOOST_TEST(status_for(error_code::invalid_json) == 400);
  BOOST_TEST(status_for(error_code::invalid_credentials) == 401);
  BOOST_TEST(status_for(error_code::permission_denied) == 403);
  BOOST_TEST(status_for(error_code::email_exists) == 409);
  BOOST_TEST(status_for(error_code::payload_too_large) == 413);
  BOOST_TEST(status_for(error_code::unsupported_media_type) == 415);
  BOOST_TEST(status_for(error_code::idempotency_key_reused) == 422);
  BOOST_TEST(status_for(error_code::service_unavailable) == 503);
  BOOST_TEST(status_for(error_code::none) == 500);  // a problem rendered without a code is our bug
}

BOOST_AUTO_TEST_CASE(every_code_has_one_distinct_name) {
  std::set<std::string> names;
  for (int i = static_cast<int>(error_code::invalid_json); i <= static_cast<int>(error_code::gateway_timeout); ++i) {
    std::string name = to_string(static_cast<error_code>(i));
    BOOST_TEST(!name.empty());
    BOOST_TEST(names.insert(name).second, name << " is used twice");
    BOOST_TEST(status_for(static_cast<error_code>(i)) >= 400);
  }
  BOOST_TEST(names.size() == 31u);
  BOOST_TEST(std::string(to_string(error_code::none)).empty());
}

BOOST_AUTO_TEST_CASE(bodies_must_be_json_objects) {
  rapidjson::Document d;
  BOOST_TEST(!json::parse_object("", d));
  BOOST_TEST(d.IsObject());
  BOOST_TEST(!json::parse_object(R"({"a":1})", d));
  BOOST_TEST(json::parse_object("{", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object("[1,2]", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object("\"x\"", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object("{} trailing", d).code == error_code::invalid_json);
}

BOOST_AUTO_TEST_CASE(reader_names_every_mistyped_field) {
  rapidjson::Document d;
  d.Parse(R"({"email":5,"n":1.5,"b":true,"s":"2","phone":null,"name":"Ann","big":9007199254740993})");
  json::reader in{d};
  BOOST_TEST(!in.string("email", true).has_value());
  BOOST_TEST(!in.integer("n", true).has_value());
  BOOST_TEST(!in.integer("b", true).has_value());
  BOOST_TEST(!in.integer("s", true).has_value());
  BOOST_TEST(!in.string("missing", true).has_value());
  BOOST_TEST(*in.string("name", true) == "Ann");
  BOOST_TEST(*in.integer("big", true) == 9007199254740993LL);
  auto phone = in.string_or_null("phone");
  BOOST_TEST(phone.present);
  BOOST_TEST(!phone.value.has_value());
  BOOST_TEST(!in.string_or_null("absent").present);
  auto p = in.problem();
  BOOST_TEST(p.code == error_code::validation_error);
  BOOST_TEST(p.fields.size() == 5u);
  BOOST_TEST(p.fields.count("email") == 1u);
  BOOST_TEST(p.fields.at("missing").front() == "this field is required");
}

BOOST_AUTO_TEST_CASE(untrusted_json_is_parsed_without_recursion_and_validated) {
  rapidjson::Document d;
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  BOOST_TEST(!json::parse_object(deep, d).ok());  // an array, but no stack overflow on the way
  BOOST_TEST(json::parse_object("{\"a\":\"\xff\xfe\"}", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object("{\"a\":\"\xc3\xa9\"}", d).ok());
  d.Parse(R"({"name":"Ann\u0000Lee"})");
  json::reader in{d};
  BOOST_TEST(!in.string("name", true).has_value());
  BOOST_TEST(in.problem().fields.at("name").front() == "must not contain NUL characters");
}

namespace {
/// `levels` arrays inside one another, inside the object's "x" field: {"x":[[...]]}.
std::string nested_in_a_field(int levels) {
  return "{\"x\":" + std::string(levels, '[') + std::string(levels, ']') + "}";
}
}  // namespace

BOOST_AUTO_TEST_CASE(nesting_is_bounded_at_64_levels) {
  rapidjson::Document d;
  // The object counts as one level: 63 arrays inside it make 64, accepted; 64 arrays make 65.
  BOOST_TEST(json::parse_object(nested_in_a_field(63), d).ok());
  BOOST_TEST(d["x"].IsArray());
  auto too_deep = json::parse_object(nested_in_a_field(64), d);
  BOOST_TEST(too_deep.code == error_code::validation_error);
  BOOST_TEST(too_deep.message.find("nests deeper than 64 levels") != std::string::npos, too_deep.message);
  BOOST_TEST(d.IsNull(), "nothing of a refused document is kept");
  BOOST_TEST(json::parse_object(nested_in_a_field(200000), d).code == error_code::validation_error);

  using integrations::parse_untrusted_json;
  BOOST_TEST(parse_untrusted_json(std::string(64, '[') + std::string(64, ']'), d).ok());
  BOOST_TEST(parse_untrusted_json(std::string(65, '[') + std::string(65, ']'), d).too_deep());
  // Depth, not count: many siblings at a shallow level are fine.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i)
    wide += std::string(i ? "," : "") + "[[1]]";
  BOOST_TEST(parse_untrusted_json(wide + "]", d).ok());
  // Syntax errors stay syntax errors, with the offset.
  auto bad = parse_untrusted_json("[1,", d);
  BOOST_TEST((!bad.ok() && !bad.too_deep()));
  BOOST_TEST(bad.message.find("offset 3") != std::string::npos, bad.message);
  BOOST_TEST(!parse_untrusted_json("\"\xff\"", d).ok());  // UTF-8 is validated
  BOOST_TEST(!parse_untrusted_json("", d).ok());
  // Found by request_body_fuzz: RapidJSON reads this as infinity, which no writer can write back.
  BOOST_TEST(json::parse_object(R"({"a":777771e308})", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object(R"({"a":1.5e308,"b":-1e-400})", d).ok());
  // Also found by request_body_fuzz: an escaped lone low surrogate decodes to bytes that are not UTF-8.
  BOOST_TEST(json::parse_object(R"({"a":"Ann\ude5A"})", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object(R"({"\udc00":1})", d).code == error_code::invalid_json);
  BOOST_TEST(json::parse_object(R"({"a":"\ud83d\ude00 \u00e9 \uffff"})", d).ok());  // a pair, é, U+FFFF
}

BOOST_AUTO_TEST_CASE(canonical_form_does_not_recurse) {
  // Built without the bound (as a caller that did not use it would), then canonicalised: an
  // explicit stack, so 200,000 levels are only memory.
  rapidjson::Document d;
  const int levels = 200000;
  d.Parse<rapidjson::kParseIterativeFlag>(nested_in_a_field(levels).c_str());
  BOOST_TEST_REQUIRE(!d.HasParseError());
  BOOST_TEST(json::canonical(d) == nested_in_a_field(levels));
  d.Parse(R"({"b":[3,{"z":1,"a":null}],"a":"x","c":{}})");
  BOOST_TEST(json::canonical(d) == R"({"a":"x","b":[3,{"a":null,"z":1}],"c":{}})");
}

BOOST_AUTO_TEST_CASE(query_text_must_be_clean_utf8) {
  BOOST_TEST(clean_text("plain ascii"));
  BOOST_TEST(clean_text("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"));  // привет
  BOOST_TEST(clean_text("\xf0\x9f\x98\x80"));                                  // an emoji
  BOOST_TEST(!clean_text(std::string("a\0b", 3)));
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3("})
    BOOST_TEST(!clean_text(bad));
  BOOST_TEST(common::percent_decode("a%20b+c%2Fd%") == "a b c/d%");
}

BOOST_AUTO_TEST_SUITE_END()
