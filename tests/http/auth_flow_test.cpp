// The document's auth flows (API.md §2, §3.1) against the shared server: register, login,
// profile, password change with token revocation, refresh, e-mail verification, e-mail
// normalisation, and what never appears in a response.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>

using namespace http_test;

namespace {

const std::set<std::string> user_keys = {"id",       "email",          "first_name", "last_name",
                                         "phone",    "is_staff",       "email_verified", "date_joined"};

/// U = {id, email, first_name, last_name, phone, is_staff, email_verified, date_joined}, nothing else.
void check_user_shape(const rapidjson::Value& u, const std::string& context) {
  BOOST_TEST_REQUIRE(u.IsObject(), context << ": user is not an object");
  BOOST_TEST((keys_of(u) == user_keys), context << ": user has other keys than U");
  BOOST_TEST((u.HasMember("id") && u["id"].IsInt64() && u["id"].GetInt64() > 0), context << ": id");
  BOOST_TEST((u.HasMember("email") && u["email"].IsString()), context << ": email");
  BOOST_TEST((u.HasMember("first_name") && u["first_name"].IsString()), context << ": first_name");
  BOOST_TEST((u.HasMember("last_name") && u["last_name"].IsString()), context << ": last_name");
  BOOST_TEST((u.HasMember("phone") && (u["phone"].IsString() || u["phone"].IsNull())), context << ": phone");
  BOOST_TEST((u.HasMember("is_staff") && u["is_staff"].IsBool()), context << ": is_staff");
  BOOST_TEST((u.HasMember("email_verified") && u["email_verified"].IsBool()), context << ": email_verified");
  BOOST_TEST((u.HasMember("date_joined") && u["date_joined"].IsString() && is_iso8601_utc(u["date_joined"].GetString())),
             context << ": date_joined is not an ISO-8601 UTC timestamp");
}

/// T = access, access_token (same value), refresh, token_type "Bearer", expires_in.
void check_session(const response& r, const std::string& context, bool with_refresh = true) {
  BOOST_TEST_REQUIRE(r.is_json, context << ": " << r.describe());
  BOOST_TEST(!r.str("access").empty(), context << ": no access token: " << r.describe());
  BOOST_TEST(r.str("access") == r.str("access_token"), context << ": access != access_token");
  if (with_refresh) {
    BOOST_TEST(!r.str("refresh").empty(), context << ": no refresh token");
    BOOST_TEST(r.str("refresh") != r.str("access"), context << ": refresh == access");
  }
  BOOST_TEST(r.str("token_type") == "Bearer", context << ": token_type");
  BOOST_TEST((r.json.HasMember("expires_in") && r.json["expires_in"].IsInt64() &&
              r.json["expires_in"].GetInt64() == 3600),
             context << ": expires_in should be the default 3600: " << r.describe());
  BOOST_TEST(r.header("Content-Type").rfind("application/json", 0) == 0, context << ": Content-Type");
}

std::string profile_string(const response& r, const char* key) {
  if (!r.is_json || !r.json.IsObject() || !r.json.HasMember(key) || !r.json[key].IsString())
    return "<missing>";
  return r.json[key].GetString();
}

/// Nothing the client ever received, and nothing in the server's log, holds a password or a
/// password hash (API.md §2).
void check_no_secrets(const client& c, const std::vector<std::string>& passwords) {
  for (const auto& body : c.transcript()) {
    for (const auto& p : passwords)
      BOOST_TEST(body.find(p) == std::string::npos, "a response contains a password: " << body);
    BOOST_TEST(body.find("$argon2") == std::string::npos, "a response contains a password hash: " << body);
    BOOST_TEST(body.find("password_hash") == std::string::npos, "a response names password_hash: " << body);
  }
  auto log = shared_server().log();
  for (const auto& p : passwords)
    BOOST_TEST(log.find(p) == std::string::npos, "the server log contains a password: " << p);
  BOOST_TEST(log.find("$argon2") == std::string::npos, "the server log contains a password hash");
  BOOST_TEST(log.find(admin_password) == std::string::npos, "the server log contains ADMIN_PASSWORD");
  BOOST_TEST(log.find(jwt_secret) == std::string::npos, "the server log contains JWT_SECRET");
}

void check_unauthorized(const response& r, const std::string& code) {
  CHECK_ERROR(r, 401, code);
  BOOST_TEST(r.header("WWW-Authenticate") == "Bearer", r.request << ": 401 without WWW-Authenticate: Bearer");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auth_flow)

BOOST_AUTO_TEST_CASE(register_login_profile_and_password_change) {
  client c{shared_server().base_url()};
  const auto email = unique_email("flow");
  const std::string password = "First-passw0rd";
  const std::string new_password = "Second-passw0rd";

  // Register: 201 {user: U, access, access_token, refresh, token_type, expires_in}.
  auto reg = register_user(c, email, password, json_object{{"first_name", "Ann"}, {"last_name", "Lee"}, {"phone", "+79001234567"}});
  REQUIRE_STATUS(reg, 201);
  check_session(reg, "register");
  check_user_shape(reg.json["user"], "register");
  const auto& ru = reg.json["user"];
  const int64_t id = ru["id"].GetInt64();
  BOOST_TEST(std::string{ru["email"].GetString()} == email);
  BOOST_TEST(std::string{ru["first_name"].GetString()} == "Ann");
  BOOST_TEST(std::string{ru["last_name"].GetString()} == "Lee");
  BOOST_TEST((ru["phone"].IsString() && std::string{ru["phone"].GetString()} == "+79001234567"));
  BOOST_TEST(ru["is_staff"].GetBool() == false);
  BOOST_TEST(ru["email_verified"].GetBool() == false);
  const auto register_access = reg.str("access");
  const auto register_refresh = reg.str("refresh");

  // Login: 200, the same user.
  auto in = login(c, email, password);
  REQUIRE_STATUS(in, 200);
  check_session(in, "login");
  check_user_shape(in.json["user"], "login");
  BOOST_TEST(in.json["user"]["id"].GetInt64() == id);
  const auto login_access = in.str("access");
  const auto login_refresh = in.str("refresh");

  // Profile: 200 U.
  auto me = c.get("/api/users/profile/", login_access);
  REQUIRE_STATUS(me, 200);
  check_user_shape(me.json, "profile");
  BOOST_TEST(me.json["id"].GetInt64() == id);
  BOOST_TEST(profile_string(me, "email") == email);
  BOOST_TEST(profile_string(me, "first_name") == "Ann");

  // PATCH: first_name changes; read-only fields in the body are ignored.
  auto patched = c.patch("/api/users/profile/",
                         R"({"first_name":"Anna","is_staff":true,"email":"evil@example.com","id":999999,)"
                         R"("email_verified":true,"date_joined":"2000-01-01T00:00:00Z"})",
                         login_access);
  REQUIRE_STATUS(patched, 200);
  check_user_shape(patched.json, "PATCH profile");
  BOOST_TEST(profile_string(patched, "first_name") == "Anna");
  BOOST_TEST(profile_string(patched, "last_name") == "Lee");
  BOOST_TEST(profile_string(patched, "phone") == "+79001234567");
  BOOST_TEST(profile_string(patched, "email") == email);
  BOOST_TEST(patched.json["id"].GetInt64() == id);
  BOOST_TEST(patched.json["is_staff"].GetBool() == false);
  BOOST_TEST(patched.json["email_verified"].GetBool() == false);
  BOOST_TEST(profile_string(patched, "date_joined") == profile_string(me, "date_joined"));

  // PUT with a subset: last_name changes, phone is cleared, first_name stays.
  auto put = c.put("/api/users/profile/", R"({"last_name":"Smith","phone":null,"is_staff":true})", login_access);
  REQUIRE_STATUS(put, 200);
  BOOST_TEST(profile_string(put, "first_name") == "Anna");
  BOOST_TEST(profile_string(put, "last_name") == "Smith");
  BOOST_TEST(put.json["phone"].IsNull(), "phone should be null: " << put.describe());
  BOOST_TEST(put.json["is_staff"].GetBool() == false);

  auto patched_phone = c.patch("/api/users/profile/", R"({"phone":"+4915112345678"})", login_access);
  REQUIRE_STATUS(patched_phone, 200);
  BOOST_TEST(profile_string(patched_phone, "phone") == "+4915112345678");

  // The changes are stored: a fresh GET shows them.
  me = c.get("/api/users/profile/", register_access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(profile_string(me, "first_name") == "Anna");
  BOOST_TEST(profile_string(me, "last_name") == "Smith");
  BOOST_TEST(profile_string(me, "phone") == "+4915112345678");
  BOOST_TEST(me.json["is_staff"].GetBool() == false);

  // Change password: a wrong old password and a weak new one are 400 with the field named.
  auto wrong_old = c.post("/api/auth/change-password/",
                          json_object{{"old_password", "Not-the-passw0rd"}, {"new_password", new_password}}, login_access);
  CHECK_FIELD_ERROR(wrong_old, "old_password");
  auto weak_new =
    c.post("/api/auth/change-password/", json_object{{"old_password", password}, {"new_password", "short1"}}, login_access);
  CHECK_FIELD_ERROR(weak_new, "new_password");
  // Neither attempt changed anything: the old token still works.
  CHECK_STATUS(c.get("/api/users/profile/", login_access), 200);

  auto changed = c.post("/api/auth/change-password/",
                        json_object{{"old_password", password}, {"new_password", new_password}}, login_access);
  REQUIRE_STATUS(changed, 200);
  check_session(changed, "change-password");
  BOOST_TEST(changed.json.HasMember("detail"), "change-password has no detail: " << changed.describe());
  BOOST_TEST(changed.str("access") != login_access);

  // Every token issued before the change is revoked.
  check_unauthorized(c.get("/api/users/profile/", login_access), "invalid_token");
  check_unauthorized(c.get("/api/users/profile/", register_access), "invalid_token");
  check_unauthorized(c.post("/api/auth/token/refresh/", json_object{{"refresh", login_refresh}}), "invalid_token");
  check_unauthorized(c.post("/api/auth/token/refresh/", json_object{{"refresh", register_refresh}}),
                     "invalid_token");

  // The old password is refused at login; the new one works, and so do the new tokens.
  check_unauthorized(login(c, email, password), "invalid_credentials");
  auto again = login(c, email, new_password);
  REQUIRE_STATUS(again, 200);
  check_session(again, "login with the new password");
  me = c.get("/api/users/profile/", again.str("access"));
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(profile_string(me, "first_name") == "Anna");
  CHECK_STATUS(c.get("/api/users/profile/", changed.str("access")), 200);
  CHECK_STATUS(c.post("/api/auth/token/refresh/", json_object{{"refresh", changed.str("refresh")}}), 200);

  check_no_secrets(c, {password, new_password, "Not-the-passw0rd"});
}

BOOST_AUTO_TEST_CASE(refresh_flow) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "refresh");

  auto r = c.post("/api/auth/token/refresh/", json_object{{"refresh", a.refresh}});
  REQUIRE_STATUS(r, 200);
  check_session(r, "refresh", false);
  auto fresh = r.str("access");
  BOOST_TEST(fresh != a.access, "refresh returned the same access token");
  auto me = c.get("/api/users/profile/", fresh);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["id"].GetInt64() == a.id);

  // Token types are not interchangeable.
  check_unauthorized(c.post("/api/auth/token/refresh/", json_object{{"refresh", a.access}}), "invalid_token");
  check_unauthorized(c.get("/api/users/profile/", a.refresh), "invalid_token");
  // Garbage and a missing field.
  check_unauthorized(c.post("/api/auth/token/refresh/", R"({"refresh":"not.a.token"})"), "invalid_token");
  CHECK_FIELD_ERROR(c.post("/api/auth/token/refresh/", "{}"), "refresh");
  // Refreshing does not revoke the access token that was issued before.
  CHECK_STATUS(c.get("/api/users/profile/", a.access), 200);
  check_no_secrets(c, {a.password});
}

BOOST_AUTO_TEST_CASE(verify_email_flow) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "verify");
  auto token = verification_token_for(a.email);
  BOOST_TEST_REQUIRE(!token.empty());

  auto v = c.post("/api/auth/verify-email/", json_object{{"token", token}});
  REQUIRE_STATUS(v, 200);
  BOOST_TEST((v.is_json && v.json.IsObject() && v.json.MemberCount() == 1 && v.json.HasMember("email_verified") &&
              v.json["email_verified"].IsBool() && v.json["email_verified"].GetBool()),
             "expected exactly {\"email_verified\":true}: " << v.describe());

  auto me = c.get("/api/users/profile/", a.access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["email_verified"].GetBool() == true, "profile after verification: " << me.describe());
  auto in = login(c, a.email, a.password);
  REQUIRE_STATUS(in, 200);
  BOOST_TEST(in.json["user"]["email_verified"].GetBool() == true);

  // A used token, garbage and a missing token are all bad input (400), not bad credentials.
  CHECK_ERROR(c.post("/api/auth/verify-email/", json_object{{"token", token}}), 400, "invalid_token");
  CHECK_ERROR(c.post("/api/auth/verify-email/", R"({"token":"definitely-not-a-token"})"), 400, "invalid_token");
  CHECK_ERROR(c.post("/api/auth/verify-email/", R"({"token":""})"), 400, "invalid_token");
  CHECK_FIELD_ERROR(c.post("/api/auth/verify-email/", "{}"), "token");
  // A valid bearer token on this public endpoint is fine (a bad one is a 401: see bad_input).
  CHECK_ERROR(c.post("/api/auth/verify-email/", json_object{{"token", token}}, a.access), 400, "invalid_token");
}

BOOST_AUTO_TEST_CASE(email_is_trimmed_and_lower_cased) {
  client c{shared_server().base_url()};
  auto lower = unique_email("mixed");  // "mixed.<pid>.<n>.<ms>@example.com"
  auto mixed = " MiXeD" + lower.substr(5, lower.find('@') - 5) + "@Example.COM ";
  const std::string password = "Mixed-case-passw0rd";

  auto reg = register_user(c, mixed, password);
  REQUIRE_STATUS(reg, 201);
  BOOST_TEST(reg.json["user"]["email"].GetString() == lower);
  // The verification e-mail goes to the normalised address.
  BOOST_TEST(!verification_token_for(lower).empty());

  auto in = login(c, lower, password);
  REQUIRE_STATUS(in, 200);
  BOOST_TEST(in.json["user"]["email"].GetString() == lower);
  CHECK_STATUS(login(c, mixed, password), 200);
  std::string upper = lower;
  for (auto& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK_STATUS(login(c, upper, password), 200);

  // Unique without regard to case.
  auto dup = register_user(c, upper, "Another-passw0rd");
  CHECK_ERROR(dup, 409, "email_exists");
  CHECK_ERROR(register_user(c, lower, "Another-passw0rd"), 409, "email_exists");
  // The duplicate attempts changed nothing: the first password still works.
  CHECK_STATUS(login(c, lower, password), 200);
  CHECK_ERROR(login(c, lower, "Another-passw0rd"), 401, "invalid_credentials");
  check_no_secrets(c, {password, "Another-passw0rd"});
}

BOOST_AUTO_TEST_CASE(wrong_email_and_wrong_password_look_the_same) {
  client c{shared_server().base_url()};
  auto a = new_account(c, "creds");

  auto wrong_password = login(c, a.email, "Wrong-passw0rd");
  auto wrong_email = login(c, unique_email("nobody"), a.password);
  check_unauthorized(wrong_password, "invalid_credentials");
  check_unauthorized(wrong_email, "invalid_credentials");
  BOOST_TEST(wrong_password.body == wrong_email.body, "bodies differ:\n  wrong password: "
                                                          << wrong_password.body << "\n  wrong email: " << wrong_email.body);
  BOOST_TEST(wrong_password.header("Content-Type") == wrong_email.header("Content-Type"));
  check_no_secrets(c, {a.password, "Wrong-passw0rd"});
}

BOOST_AUTO_TEST_CASE(concurrent_registrations_of_one_email) {
  // Four clients register the same address at once: one 201, the others 409 email_exists.
  const auto email = unique_email("race");
  const auto base_url = shared_server().base_url();  // started here, not from the threads
  constexpr int n = 4;
  std::vector<response> results(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      client c{base_url};
      results[i] = register_user(c, i % 2 ? email : " " + email + " ", "Race-passw0rd-" + std::to_string(i));
    });
  for (auto& t : threads)
    t.join();
  int created = 0, conflicts = 0;
  for (const auto& r : results) {
    created += r.status == 201;
    conflicts += r.status == 409 && r.error_code() == "email_exists";
    BOOST_TEST_MESSAGE(r.describe());
  }
  BOOST_TEST(created == 1);
  BOOST_TEST(conflicts == n - 1);
}

BOOST_AUTO_TEST_SUITE_END()
