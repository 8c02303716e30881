// Bad input, bad tokens and roles (API.md §0, §1, §2) against the shared server: every case
// gets its exact status and error code, and the server stays healthy afterwards.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <thread>

using namespace http_test;

namespace {

/// {"error":{"code","message","fields":{...}}}: the one error shape (API.md §1).
void check_error_shape(const response& r) {
  BOOST_TEST_REQUIRE(r.is_json, r.request << ": error body is not JSON: " << r.describe());
  BOOST_TEST_REQUIRE((r.json.IsObject() && r.json.HasMember("error") && r.json["error"].IsObject()),
                     r.request << ": no error object: " << r.describe());
  const auto& e = r.json["error"];
  BOOST_TEST((e.HasMember("code") && e["code"].IsString()), r.request << ": error.code: " << r.describe());
  BOOST_TEST((e.HasMember("message") && e["message"].IsString()), r.request << ": error.message: " << r.describe());
  BOOST_TEST((e.HasMember("fields") && e["fields"].IsObject()), r.request << ": error.fields: " << r.describe());
  BOOST_TEST(r.header("Content-Type").rfind("application/json", 0) == 0, r.request << ": Content-Type");
}

void check_unauthorized(const response& r, const std::string& code) {
  CHECK_ERROR(r, 401, code);
  BOOST_TEST(r.header("WWW-Authenticate") == "Bearer", r.request << ": 401 without WWW-Authenticate: Bearer");
  check_error_shape(r);
}

std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  v.Accept(w);
  return buf.GetString();
}

const std::string hs256_header = R"({"alg":"HS256","typ":"JWT"})";

/// The token's claims changed by `change`, signed again with `secret` under `header`.
std::string resign(const std::string& token, const std::function<void(rapidjson::Document&)>& change,
                   const std::string& secret = jwt_secret, const std::string& header = hs256_header) {
  rapidjson::Document claims;
  auto payload = jwt_payload(token);
  claims.Parse(payload.data(), payload.size());
  BOOST_TEST_REQUIRE(claims.IsObject(), "the server's token payload is not a JSON object: " << payload);
  change(claims);
  return sign_jwt(header, serialize(claims), secret);
}

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string register_body(const std::string& email, const std::string& password, const json_object& extra = {}) {
  return json_object{{"email", email}, {"password", password}}.merge(extra);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(malformed_json_is_invalid_json) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "badjson");
  for (const std::string body : {R"({"email":)", "not json", R"({"email":"a@b.cc",})", "{'email':'x'}"}) {
    auto r = c.post("/api/auth/register/", body);
    CHECK_ERROR(r, 400, "invalid_json");
    check_error_shape(r);
  }
  CHECK_ERROR(c.post("/api/auth/login/", "{"), 400, "invalid_json");
  CHECK_ERROR(c.patch("/api/users/profile/", R"({"first_name":)", a.access), 400, "invalid_json");
  CHECK_ERROR(c.post("/api/auth/change-password/", "[1,", a.access), 400, "invalid_json");
}

BOOST_AUTO_TEST_CASE(top_level_non_objects_are_rejected) {
  client c{shared_server().base_url()};
  for (const std::string body : {"[]", R"([{"email":"a@example.com","password":"Passw0rd1"}])", "\"text\"", "5",
                                 "null"}) {
    auto r = c.post("/api/auth/register/", body);
    // The contract only says 400; this server answers invalid_json for "not an object".
    BOOST_TEST(((r.status == 400) && (r.error_code() == "invalid_json" || r.error_code() == "validation_error")),
               "POST register " << body << " -> " << r.describe());
  }
}

BOOST_AUTO_TEST_CASE(wrong_types_are_validation_errors_naming_the_fields) {
  client c{shared_server().base_url()};
  auto r = c.post("/api/auth/register/", R"({"email":5,"password":true,"phone":123,"first_name":[],"last_name":{}})");
  for (const char* field : {"email", "password", "phone", "first_name", "last_name"})
    CHECK_FIELD_ERROR(r, field);
  check_error_shape(r);

  CHECK_FIELD_ERROR(c.post("/api/auth/login/", R"({"email":["a@example.com"],"password":"x"})"), "email");
  CHECK_FIELD_ERROR(c.post("/api/auth/token/refresh/", R"({"refresh":42})"), "refresh");
  CHECK_FIELD_ERROR(c.post("/api/auth/verify-email/", R"({"token":null})"), "token");

  auto a = new_account(c, "types");
  auto p = c.patch("/api/users/profile/", R"({"first_name":5,"phone":123,"last_name":true})", a.access);
  for (const char* field : {"first_name", "phone", "last_name"})
    CHECK_FIELD_ERROR(p, field);
  CHECK_FIELD_ERROR(c.post("/api/auth/change-password/", R"({"old_password":1,"new_password":"Passw0rd-x"})", a.access),
                    "old_password");
  // Nothing changed.
  auto me = c.get("/api/users/profile/", a.access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["first_name"].GetString() == std::string{});
}

BOOST_AUTO_TEST_CASE(missing_required_fields) {
  client c{shared_server().base_url()};
  auto r = c.post("/api/auth/register/", "{}");
  CHECK_FIELD_ERROR(r, "email");
  CHECK_FIELD_ERROR(r, "password");
  CHECK_FIELD_ERROR(c.post("/api/auth/register/", R"({"email":"someone@example.com"})"), "password");
  CHECK_FIELD_ERROR(c.post("/api/auth/register/", R"({"password":"Passw0rd-x"})"), "email");
  // An empty body counts as {}.
  CHECK_FIELD_ERROR(c.post("/api/auth/login/", ""), "email");
  CHECK_FIELD_ERROR(c.post("/api/auth/login/", R"({"password":"Passw0rd-x"})"), "email");
  CHECK_FIELD_ERROR(c.post("/api/auth/login/", R"({"email":"someone@example.com"})"), "password");
  CHECK_FIELD_ERROR(c.post("/api/auth/token/refresh/", "{}"), "refresh");
  CHECK_FIELD_ERROR(c.post("/api/auth/verify-email/", "{}"), "token");
  CHECK_FIELD_ERROR(c.post("/api/auth/register/", R"({"email":"","password":"Passw0rd-x"})"), "email");

  auto a = new_account(c, "missing");
  auto cp = c.post("/api/auth/change-password/", "{}", a.access);
  CHECK_FIELD_ERROR(cp, "old_password");
  CHECK_FIELD_ERROR(cp, "new_password");
}

BOOST_AUTO_TEST_CASE(weak_passwords_are_rejected) {
  client c{shared_server().base_url()};
  auto email = unique_email("weak1");  // has letters and digits, so "equals the email" is reached
  for (const std::string& pw : {std::string{"abcdefgh"}, std::string{"12345678"}, std::string{"Ab1"},
                                std::string{"Abcdef1"}, std::string(129, 'a') + "1", email}) {
    auto r = c.post("/api/auth/register/", register_body(email, pw));
    CHECK_FIELD_ERROR(r, "password");
    BOOST_TEST(!r.has_field_error("email"), "the email is fine: " << r.describe());
  }
  // The password equal to the email, in other case, is still the email.
  std::string upper = email;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK_FIELD_ERROR(c.post("/api/auth/register/", register_body(email, upper)), "password");
  // None of those attempts created the user: a good password now registers it.
  CHECK_STATUS(c.post("/api/auth/register/", register_body(email, "Good-passw0rd")), 201);
  // Exactly 8 and 128 characters are allowed.
  CHECK_STATUS(c.post("/api/auth/register/", register_body(unique_email("len8"), "abcdefg1")), 201);
  CHECK_STATUS(c.post("/api/auth/register/", register_body(unique_email("len128"), std::string(127, 'b') + "2")), 201);
}

BOOST_AUTO_TEST_CASE(bad_emails_are_rejected) {
  client c{shared_server().base_url()};
  // 64-character local part (unique per run) + 3 labels of 60 + a last label: 254 and 255 characters.
  auto u = unique_email("len");
  auto local = u.substr(0, u.find('@'));
  local += std::string(64 - local.size(), 'a');
  const std::string labels = std::string(60, 'b') + "." + std::string(60, 'c') + "." + std::string(60, 'd') + ".";
  const std::string longest = local + "@" + labels + "ab.com";
  const std::string too_long = local + "@" + labels + "abc.com";
  BOOST_TEST_REQUIRE(longest.size() == 254u);
  BOOST_TEST_REQUIRE(too_long.size() == 255u);
  for (const std::string& email :
       {std::string{"not-an-email"}, std::string{"a@b"}, std::string{"a b@example.com"}, std::string{"@example.com"},
        std::string{"user@"}, std::string{"user@@example.com"}, std::string{"user@example"},
        std::string{"us;er@example.com"}, std::string{"user@ex\xC3\xA4mple.com"}, std::string{".user@example.com"},
        std::string{"user@example.c"}, too_long}) {
    auto r = c.post("/api/auth/register/", register_body(email, "Passw0rd-ok"));
    CHECK_FIELD_ERROR(r, "email");
  }
  CHECK_STATUS(c.post("/api/auth/register/", register_body(longest, "Passw0rd-ok")), 201);
  // Allowed local-part characters: . _ + - and digits.
  auto ok = unique_email("ok_dots+tag-1");
  CHECK_STATUS(c.post("/api/auth/register/", register_body(ok, "Passw0rd-ok")), 201);
}

BOOST_AUTO_TEST_CASE(bad_phones_are_rejected) {
  client c{shared_server().base_url()};
  for (const char* phone : {"12345", "+12ab567890", "79001234567", "+123456789", "+1234567890123456", "+",
                                   "", "+7 900 123 45 67"}) {
    auto r =
      c.post("/api/auth/register/", register_body(unique_email("phone"), "Passw0rd-ok", json_object{{"phone", phone}}));
    CHECK_FIELD_ERROR(r, "phone");
  }
  auto a = new_account(c, "phone");
  CHECK_FIELD_ERROR(c.patch("/api/users/profile/", R"({"phone":"8-900-123"})", a.access), "phone");
  // The limits: 10 and 15 digits, and null.
  CHECK_STATUS(c.patch("/api/users/profile/", R"({"phone":"+1234567890"})", a.access), 200);
  CHECK_STATUS(c.patch("/api/users/profile/", R"({"phone":"+123456789012345"})", a.access), 200);
  CHECK_STATUS(c.patch("/api/users/profile/", R"({"phone":null})", a.access), 200);
}

BOOST_AUTO_TEST_CASE(names_longer_than_150_characters_are_rejected) {
  client c{shared_server().base_url()};
  const std::string long_name(151, 'x');
  CHECK_FIELD_ERROR(c.post("/api/auth/register/",
                           register_body(unique_email("name"), "Passw0rd-ok", json_object{{"first_name", long_name}})),
                    "first_name");
  CHECK_FIELD_ERROR(c.post("/api/auth/register/",
                           register_body(unique_email("name"), "Passw0rd-ok", json_object{{"last_name", long_name}})),
                    "last_name");
  auto a = new_account(c, "name");
  CHECK_FIELD_ERROR(c.patch("/api/users/profile/", json_object{{"last_name", long_name}}, a.access), "last_name");
  CHECK_FIELD_ERROR(c.put("/api/users/profile/", json_object{{"first_name", long_name}}, a.access), "first_name");
  // 150 characters are fine, counted as characters: 150 Cyrillic letters are 300 bytes.
  std::string cyrillic;
  for (int i = 0; i < 150; ++i)
    cyrillic += "\xD0\x96";  // Ж
  auto ok = c.patch("/api/users/profile/",
                    json_object{{"first_name", std::string(150, 'y')}, {"last_name", cyrillic}},
                    a.access);
  REQUIRE_STATUS(ok, 200);
  BOOST_TEST(ok.json["last_name"].GetString() == cyrillic, "stored as received");
  BOOST_TEST(ok.json["first_name"].GetString() == std::string(150, 'y'));
}

BOOST_AUTO_TEST_CASE(unknown_routes_are_404) {
  client c{shared_server().base_url()};
  for (const std::string path : {"/api/nope/", "/api/users/profile/extra/", "/api/auth/", "/", "/api/users/1/",
                                 "/health/x/"}) {
    auto r = c.get(path);
    CHECK_ERROR(r, 404, "not_found");
    check_error_shape(r);
  }
  CHECK_ERROR(c.post("/api/auth/unknown/", "{}"), 404, "not_found");
}

BOOST_AUTO_TEST_CASE(wrong_methods_are_405_with_allow) {
  client c{shared_server().base_url()};
  auto r = c.del("/api/users/profile/");
  CHECK_ERROR(r, 405, "method_not_allowed");
  check_error_shape(r);
  auto allow = r.header("Allow");
  for (const char* m : {"GET", "PUT", "PATCH"})
    BOOST_TEST(allow.find(m) != std::string::npos, "Allow: " << allow << " lacks " << m);
  BOOST_TEST(allow.find("DELETE") == std::string::npos, "Allow: " << allow);

  auto g = c.get("/api/auth/login/");
  CHECK_ERROR(g, 405, "method_not_allowed");
  BOOST_TEST(g.header("Allow") == "POST");
  CHECK_ERROR(c.post("/api/users/profile/", "{}"), 405, "method_not_allowed");
  CHECK_ERROR(c.put("/api/auth/register/", "{}"), 405, "method_not_allowed");
  auto h = c.post("/health/", "{}");
  CHECK_ERROR(h, 405, "method_not_allowed");
  BOOST_TEST(h.header("Allow") == "GET");
}

BOOST_AUTO_TEST_CASE(body_over_1_mib_is_413) {
  client c{shared_server().base_url()};
  // 1.5 MiB of valid JSON with the right content type.
  std::string body = json_object{{"email", "big@example.com"}, {"password", std::string(3 * 512 * 1024, 'a') + "1"}};
  auto r = c.post("/api/auth/register/", body);
  CHECK_ERROR(r, 413, "payload_too_large");
  check_error_shape(r);
  // The limit is 1 MiB exactly: 1 048 576 bytes pass, one more byte does not.
  const std::string head = R"({"email":"nobody-big@example.com","password":")", tail = "1\"}";
  std::string exact = head + std::string(1048576 - head.size() - tail.size(), 'p') + tail;
  BOOST_TEST_REQUIRE(exact.size() == 1048576u);
  CHECK_FIELD_ERROR(c.post("/api/auth/login/", exact), "password");  // past the body limit, refused by the 1 KiB password cap
  std::string over = head + std::string(1048577 - head.size() - tail.size(), 'p') + tail;
  CHECK_ERROR(c.post("/api/auth/login/", over), 413, "payload_too_large");
  // The same client (and the server) carry on.
  CHECK_STATUS(c.get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(non_json_bodies_are_415) {
  client c{shared_server().base_url()};
  request_options text;
  text.content_type = "text/plain";
  auto r = c.request("POST", "/api/auth/register/", std::string{R"({"email":"x@example.com","password":"Passw0rd1"})"},
                     text);
  CHECK_ERROR(r, 415, "unsupported_media_type");
  check_error_shape(r);
  request_options form;
  form.content_type = "application/x-www-form-urlencoded";
  CHECK_ERROR(c.request("POST", "/api/auth/login/", std::string{"email=x&password=y"}, form), 415,
              "unsupported_media_type");
  request_options none;
  none.content_type = "";
  CHECK_ERROR(c.request("POST", "/api/auth/login/", std::string{R"({"email":"x@example.com"})"}, none), 415,
              "unsupported_media_type");
  // A charset parameter is fine.
  request_options charset;
  charset.content_type = "application/json; charset=utf-8";
  auto ok = c.request("POST", "/api/auth/login/",
                      std::string{R"({"email":"nobody-charset@example.com","password":"Passw0rd-x"})"}, charset);
  CHECK_ERROR(ok, 401, "invalid_credentials");
}

BOOST_AUTO_TEST_CASE(missing_and_bad_tokens_are_401) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "tokens");
  auto staff = staff_account(c);
  const std::string profile = "/api/users/profile/";

  check_unauthorized(c.get(profile), "not_authenticated");
  // Authentication comes before body parsing: a broken body still gets 401.
  check_unauthorized(c.patch(profile, "{broken"), "not_authenticated");
  check_unauthorized(c.post("/api/auth/change-password/", "[1,"), "not_authenticated");
  request_options text_body;
  text_body.content_type = "text/plain";
  check_unauthorized(c.request("PATCH", profile, std::string{"hello"}, text_body), "not_authenticated");

  request_options basic;
  basic.headers = {"Authorization: Basic dXNlcjpwYXNz"};
  check_unauthorized(c.request("GET", profile, std::nullopt, basic), "invalid_token");
  check_unauthorized(c.get(profile, "garbage"), "invalid_token");
  check_unauthorized(c.get(profile, "a.b.c"), "invalid_token");
  check_unauthorized(c.patch(profile, "{broken", "garbage"), "invalid_token");

  // A token made here with the server's secret is accepted: the crafting below is sound.
  auto control = resign(a.access, [](rapidjson::Document&) {});
  auto ok = c.get(profile, control);
  REQUIRE_STATUS(ok, 200);
  BOOST_TEST(ok.json["id"].GetInt64() == a.id);

  // Tampered payload (sub = the staff user), original signature kept.
  {
    auto dot1 = a.access.find('.');
    auto dot2 = a.access.find('.', dot1 + 1);
    rapidjson::Document claims;
    auto payload = jwt_payload(a.access);
    claims.Parse(payload.data(), payload.size());
    claims["sub"].SetString(std::to_string(staff.id).c_str(), claims.GetAllocator());
    auto tampered = a.access.substr(0, dot1) + "." + b64url_encode(serialize(claims)) + a.access.substr(dot2);
    check_unauthorized(c.get(profile, tampered), "invalid_token");
    check_unauthorized(c.get("/api/admin/actors/", tampered), "invalid_token");
  }
  // Signature of the original token, but payload of another version or longer life.
  {
    auto dot1 = a.access.find('.');
    auto dot2 = a.access.find('.', dot1 + 1);
    auto forged_payload = jwt_payload(resign(a.access, [](rapidjson::Document& d) { d["exp"].SetInt64(now() + 999999); }));
    auto tampered = a.access.substr(0, dot1) + "." + b64url_encode(forged_payload) + a.access.substr(dot2);
    check_unauthorized(c.get(profile, tampered), "invalid_token");
  }
  // alg "none" with no signature, and with the claims otherwise valid.
  {
    auto payload = jwt_payload(a.access);
    auto none = b64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + b64url_encode(payload) + ".";
    check_unauthorized(c.get(profile, none), "invalid_token");
    auto none_upper = b64url_encode(R"({"alg":"NONE"})") + "." + b64url_encode(payload) + ".";
    check_unauthorized(c.get(profile, none_upper), "invalid_token");
  }
  // Another algorithm in the header (HS512 declared, HS256 signature).
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document&) {}, jwt_secret,
                                           R"({"alg":"HS512","typ":"JWT"})")),
                     "invalid_token");
  // Signed with another secret.
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document&) {},
                                           "another-secret-of-forty-bytes-0123456789")),
                     "invalid_token");
  // Expired well beyond any clock leeway (60 s).
  auto expired = resign(a.access, [](rapidjson::Document& d) {
    d["iat"].SetInt64(now() - 7200);
    d["exp"].SetInt64(now() - 3600);
  });
  check_unauthorized(c.get(profile, expired), "invalid_token");
  // Just past the largest leeway the contract allows (60 s).
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["exp"].SetInt64(now() - 61); })),
                     "invalid_token");
  // Claims of the wrong shape.
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["sub"].SetString("abc"); })),
                     "invalid_token");
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["sub"].SetString("0"); })),
                     "invalid_token");
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d.RemoveMember("exp"); })),
                     "invalid_token");
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["ver"].SetString("1"); })),
                     "invalid_token");
  check_unauthorized(c.get(profile, a.access + "x"), "invalid_token");
  // A token for a user that does not exist, and one of the wrong type.
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["sub"].SetString("999999999"); })),
                     "invalid_token");
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["typ"].SetString("refresh"); })),
                     "invalid_token");
  // A token version other than the user's current one.
  check_unauthorized(c.get(profile, resign(a.access, [](rapidjson::Document& d) { d["ver"].SetInt(d["ver"].GetInt() + 1); })),
                     "invalid_token");
  // The user's own token still works after all that.
  CHECK_STATUS(c.get(profile, a.access), 200);
}

BOOST_AUTO_TEST_CASE(bad_token_on_public_endpoints) {
  client c{shared_server().base_url()};
  // verify-email is public, but a bad token is still a 401 there...
  check_unauthorized(c.post("/api/auth/verify-email/", R"({"token":"x"})", "garbage"), "invalid_token");
  check_unauthorized(c.post("/api/auth/verify-email/", "{broken", "garbage"), "invalid_token");
  // ...while register, login, refresh and health ignore the header.
  auto email = unique_email("ignored");
  auto reg = c.post("/api/auth/register/", register_body(email, "Passw0rd-ignored"), "garbage");
  REQUIRE_STATUS(reg, 201);
  CHECK_STATUS(c.post("/api/auth/login/", register_body(email, "Passw0rd-ignored"), "garbage"), 200);
  CHECK_STATUS(c.post("/api/auth/token/refresh/", json_object{{"refresh", reg.str("refresh")}}, "garbage"), 200);
  CHECK_STATUS(c.get("/health/", "garbage"), 200);
  request_options basic;
  basic.headers = {"Authorization: Basic dXNlcjpwYXNz"};
  CHECK_STATUS(c.request("GET", "/health/", std::nullopt, basic), 200);
}

BOOST_AUTO_TEST_CASE(admin_actors_is_staff_only) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "notstaff");
  check_unauthorized(c.get("/api/admin/actors/"), "not_authenticated");
  auto forbidden = c.get("/api/admin/actors/", user.access);
  CHECK_ERROR(forbidden, 403, "permission_denied");
  check_error_shape(forbidden);

  auto staff = staff_account(c);
  auto me = c.get("/api/users/profile/", staff.access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["is_staff"].GetBool() == true, "ADMIN_EMAIL is not staff: " << me.describe());

  auto r = c.get("/api/admin/actors/", staff.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST_REQUIRE((r.json.IsObject() && r.json.HasMember("supervisors") && r.json["supervisors"].IsObject() &&
                      r.json["supervisors"].HasMember("users") && r.json["supervisors"]["users"].IsObject()),
                     r.describe());
  const auto& users = r.json["supervisors"]["users"];
  for (const char* key : {"active", "activations", "passivations", "crashes", "restarts_in_window"})
    BOOST_TEST((users.HasMember(key) && users[key].IsInt64() && users[key].GetInt64() >= 0), key << ": " << r.describe());
  BOOST_TEST(users["activations"].GetInt64() >= 1, r.describe());
  BOOST_TEST((r.json.HasMember("in_flight_requests") && r.json["in_flight_requests"].IsInt64() &&
              r.json["in_flight_requests"].GetInt64() >= 1),
             "this request itself is in flight: " << r.describe());
}

BOOST_AUTO_TEST_CASE(trailing_slash_is_optional) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "slash");
  auto with = c.get("/api/users/profile/", a.access);
  auto without = c.get("/api/users/profile", a.access);
  REQUIRE_STATUS(with, 200);
  REQUIRE_STATUS(without, 200);
  BOOST_TEST(with.body == without.body);
  BOOST_TEST(!without.has_header("Location"));

  CHECK_STATUS(c.post("/api/auth/login", register_body(a.email, a.password)), 200);
  CHECK_STATUS(c.patch("/api/users/profile", R"({"first_name":"NoSlash"})", a.access), 200);
  CHECK_STATUS(c.get("/health"), 200);
  CHECK_STATUS(c.get("/api/users/profile/?format=json", a.access), 200);
  check_unauthorized(c.get("/api/users/profile"), "not_authenticated");
  CHECK_ERROR(c.del("/api/users/profile"), 405, "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(request_id_is_echoed) {
  client c{shared_server().base_url()};
  request_options mine;
  mine.headers = {"X-Request-ID: test-req.42_x"};
  auto r = c.request("GET", "/health/", std::nullopt, mine);
  CHECK_STATUS(r, 200);
  BOOST_TEST(r.header("X-Request-ID") == "test-req.42_x");
  // Also on errors.
  auto e = c.request("GET", "/api/nope/", std::nullopt, mine);
  CHECK_STATUS(e, 404);
  BOOST_TEST(e.header("X-Request-ID") == "test-req.42_x");
  auto u = c.request("GET", "/api/users/profile/", std::nullopt, mine);
  CHECK_STATUS(u, 401);
  BOOST_TEST(u.header("X-Request-ID") == "test-req.42_x");

  // Without one, the server makes one up; an unsafe one is replaced.
  auto gen1 = c.get("/health/");
  auto gen2 = c.get("/health/");
  BOOST_TEST(!gen1.header("X-Request-ID").empty());
  BOOST_TEST(gen1.header("X-Request-ID") != gen2.header("X-Request-ID"));
  request_options unsafe;
  unsafe.headers = {"X-Request-ID: bad id <script>"};
  auto s = c.request("GET", "/health/", std::nullopt, unsafe);
  BOOST_TEST(!s.header("X-Request-ID").empty());
  BOOST_TEST(s.header("X-Request-ID").find("script") == std::string::npos, s.header("X-Request-ID"));
  request_options too_long;
  too_long.headers = {"X-Request-ID: " + std::string(200, 'a')};
  auto l = c.request("GET", "/health/", std::nullopt, too_long);
  BOOST_TEST(l.header("X-Request-ID") != std::string(200, 'a'));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_bad_input) {
  // JSON text must be UTF-8 (RFC 8259 §8.1): bytes that are not are bad input, not a server fault.
  client c{shared_server().base_url()};
  auto a = new_account(c, "utf8");
  auto p = c.patch("/api/users/profile/", "{\"first_name\":\"a\xFF\xFE" "b\"}", a.access);
  BOOST_TEST(((p.status == 400) && (p.error_code() == "invalid_json" || p.error_code() == "validation_error")),
             "PATCH profile with invalid UTF-8 in first_name -> " << p.describe());
  auto r = c.post("/api/auth/register/",
                  register_body(unique_email("utf8"), "Passw0rd-ok", json_object{{"last_name", "\xC3\x28"}}));
  BOOST_TEST(((r.status == 400) && (r.error_code() == "invalid_json" || r.error_code() == "validation_error")),
             "register with invalid UTF-8 in last_name -> " << r.describe());
  // An escaped lone surrogate decodes to bytes that are not UTF-8 either (found by fuzzing).
  auto s = c.patch("/api/users/profile/", R"({"first_name":"Ann\udc00"})", a.access);
  BOOST_TEST(((s.status == 400) && (s.error_code() == "invalid_json" || s.error_code() == "validation_error")),
             "PATCH profile with an escaped lone surrogate in first_name -> " << s.describe());
  auto me = c.get("/api/users/profile/", a.access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["first_name"].GetString() == std::string{});
}

BOOST_AUTO_TEST_CASE(nul_characters_are_not_silently_dropped) {
  // "Strings are stored as received" (API.md §0). PostgreSQL text cannot hold U+0000, so a name
  // with one is either stored whole or refused with 400 naming the field: never cut short.
  client c{shared_server().base_url()};
  auto a = new_account(c, "nul");
  auto p = c.patch("/api/users/profile/", R"({"first_name":"Ann\u0000Lee"})", a.access);
  bool refused = p.status == 400 && p.error_code() == "validation_error" && p.has_field_error("first_name");
  bool stored = p.status == 200 && p.is_json && p.json["first_name"].IsString() &&
                std::string(p.json["first_name"].GetString(), p.json["first_name"].GetStringLength()) ==
                  std::string("Ann\0Lee", 7);
  BOOST_TEST((refused || stored), "PATCH {\"first_name\":\"Ann\\u0000Lee\"} -> " << p.describe());
}

BOOST_AUTO_TEST_CASE(deeply_nested_json_body_does_not_crash_the_server) {
  // 400 kB of nesting, well under the 1 MiB limit, on an endpoint anyone may call. Own server:
  // if it dies, the other tests are not affected.
  server_process s{server_process::options{}};
  client c{s.base_url()};
  const int depth = 200000;
  auto r = c.post("/api/auth/login/", std::string(depth, '[') + std::string(depth, ']'));
  BOOST_TEST(((r.status == 400) && (r.error_code() == "invalid_json" || r.error_code() == "validation_error")),
             "POST /api/auth/login/ with " << depth << " nested arrays -> " << r.describe());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bool alive = s.running();
  BOOST_TEST_REQUIRE(alive, "the server died (" << s.exit_description() << "); log tail:\n" << s.log_tail(10));
  CHECK_STATUS(c.get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(deeply_nested_token_header_does_not_crash_the_server) {
  // A bearer token whose header segment is deeply nested JSON: 401, and the server lives on.
  // The token is ~530 KB: allow such headers, so it reaches the JWT decoder (not the 431).
  server_process::options o;
  o.env["MAX_HEADER_BYTES"] = std::to_string(1 << 20);
  server_process s{o};
  client c{s.base_url()};
  const int depth = 200000;
  auto token = b64url_encode(std::string(depth, '[') + std::string(depth, ']')) + ".e30.c2ln";
  auto r = c.get("/api/users/profile/", token);
  CHECK_ERROR(r, 401, "invalid_token");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bool alive = s.running();
  BOOST_TEST_REQUIRE(alive, "the server died (" << s.exit_description() << "); log tail:\n" << s.log_tail(10));
  CHECK_STATUS(c.get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(deep_nesting_inside_a_field_is_refused_and_the_server_lives) {
  // 200,000 levels inside one field of an otherwise valid body, from a signed-in user: a nesting
  // limit while parsing refuses it (400), so nothing downstream (canonicalisation for the
  // Idempotency-Key, the shipping request's canonical destination) ever walks it. Own server.
  server_process s{server_process::options{}};
  client c{s.base_url()};
  auto a = new_account(c, "deepfield");
  const int depth = 200000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  auto expect_too_deep = [&](const response& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bool alive = s.running();
    BOOST_TEST_REQUIRE(alive, "the server died after " << r.request << " (" << s.exit_description()
                                                       << "); log tail:\n" << s.log_tail(10));
    CHECK_ERROR(r, 400, "validation_error");
    check_error_shape(r);
    auto message = r.is_json ? string_of(r.json["error"], "message") : "";
    BOOST_TEST(message.find("nest") != std::string::npos, r.request << ": the message does not say why: " << message);
  };
  expect_too_deep(c.post("/api/shipping/calculate/",
                         R"({"destination":{"city":"Moscow","postal_code":"101000","note":)" + deep +
                           R"(},"packages":[{"weight":1.5}]})",
                         a.access));
  auto order = R"({"items":[{"product_id":1,"quantity":1}],"shipping_address":)" + address_json() +
               R"(,"note":)" + deep + "}";
  expect_too_deep(post_with_key(c, "/api/orders/", order, a.access, "deep-nesting-1"));
  CHECK_STATUS(c.get("/health/"), 200);
  CHECK_STATUS(c.get("/api/users/profile/", a.access), 200);
}

// Last in this suite: after everything above the server is still healthy, and no user actor crashed.
BOOST_AUTO_TEST_CASE(server_is_healthy_after_bad_input) {
  client c{shared_server().base_url()};
  auto h = c.get("/health/");
  CHECK_STATUS(h, 200);
  BOOST_TEST(h.str("status") == "ok", h.describe());
  auto staff = staff_account(c);
  auto r = c.get("/api/admin/actors/", staff.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.json["supervisors"]["users"]["crashes"].GetInt64() == 0, "user actors crashed: " << r.describe());
  BOOST_TEST(shared_server().running(), "the shared server exited; log tail:\n" << shared_server().log_tail(30));
}

BOOST_AUTO_TEST_SUITE_END()
