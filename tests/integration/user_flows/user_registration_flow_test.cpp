// The document's TestUserRegistrationFlow (section 4.1), against the running stack: register,
// try a made-up e-mail verification token, read and update the profile, change the password, with each step's effect
// checked through the API.
#include "tests/integration/base/integration_base.hpp"

using namespace integration;
using http_test::json_object;
using http_test::string_of;

BOOST_AUTO_TEST_SUITE(user_flows_registration)

BOOST_AUTO_TEST_CASE(test_complete_user_registration_flow, *boost::unit_test::label("flow.user_registration")) {
  session app;

  // 1. Register.
  // document bug: register was read for 'access_token' and login for 'access'; both answers carry
  // both names with one value. The fixed address failed every rerun; this one is unique per run.
  auto email = http_test::unique_email("registration");
  const std::string password = "TestPassword123!";
  auto registered = app.post("/api/auth/register/", json_object{{"email", email},
                                                                {"password", password},
                                                                {"first_name", "Integration"},
                                                                {"last_name", "Test"},
                                                                {"phone", "+79123456789"}});
  REQUIRE_STATUS(registered, 201);
  BOOST_TEST_REQUIRE(registered.json.HasMember("user"), registered.describe());
  auto access = registered.str("access_token");
  BOOST_TEST_REQUIRE(!access.empty(), registered.describe());
  BOOST_TEST(registered.str("access") == access);
  BOOST_TEST(string_of(registered.json["user"], "email") == email);
  BOOST_TEST(registered.json["user"]["email_verified"].IsFalse(), registered.describe());
  app.use_token(access);

  // 2. Verify the e-mail.
  // document bug: it sent a made-up token and accepted 200 or 400, so the step could not fail; a
  // made-up token is 400 invalid_token and leaves the address unverified.
  // (The real token goes out in the verify_email message; the server keeps it in its outbox, which
  // nothing delivers yet, so a black-box test cannot read it.)
  CHECK_ERROR(app.post("/api/auth/verify-email/", json_object{{"token", "mock_verification_token"}}), 400,
              "invalid_token");

  // 3. The profile shows what was registered, and the verification.
  auto profile = app.get("/api/users/profile/");
  REQUIRE_STATUS(profile, 200);
  BOOST_TEST(profile.str("email") == email);
  BOOST_TEST(profile.str("first_name") == "Integration");
  BOOST_TEST(profile.str("phone") == "+79123456789");
  BOOST_TEST(profile.json["email_verified"].IsFalse(), profile.describe());

  // 4. Update the profile; the change is stored, not only echoed.
  auto updated = app.put("/api/users/profile/",
                         json_object{{"first_name", "Updated"}, {"last_name", "Name"}, {"phone", "+79998887766"}});
  REQUIRE_STATUS(updated, 200);
  BOOST_TEST(updated.str("first_name") == "Updated");
  auto reread = app.get("/api/users/profile/");
  REQUIRE_STATUS(reread, 200);
  BOOST_TEST(reread.str("first_name") == "Updated");
  BOOST_TEST(reread.str("last_name") == "Name");
  BOOST_TEST(reread.str("phone") == "+79998887766");

  // 5. Change the password: new tokens come back, the old token and the old password stop working.
  auto changed = app.post("/api/auth/change-password/",
                          json_object{{"old_password", password}, {"new_password", "NewPassword123!"}});
  REQUIRE_STATUS(changed, 200);
  BOOST_TEST_REQUIRE(!changed.str("access").empty(), changed.describe());
  CHECK_ERROR(app.get("/api/users/profile/"), 401, "invalid_token");
  app.use_token(changed.str("access"));
  CHECK_STATUS(app.get("/api/users/profile/"), 200);

  session other;
  CHECK_ERROR(other.post("/api/auth/login/", json_object{{"email", email}, {"password", password}}), 401,
              "invalid_credentials");
  BOOST_TEST(other.sign_in(email, "NewPassword123!").id == app.get("/api/users/profile/").json["id"].GetInt64());
}

BOOST_AUTO_TEST_SUITE_END()
