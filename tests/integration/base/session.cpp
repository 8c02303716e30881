#include "tests/integration/base/session.hpp"

#include "tests/http/support/builders.hpp"
#include "tests/integration/base/integration_env.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace integration {

std::string session::app_url_default() { return app_url(); }

session::session(const std::string& base_url) : client_(std::make_unique<http_test::client>(base_url)) {}

http_test::response session::request(const std::string& method, const std::string& path,
                                     const std::optional<std::string>& body,
                                     const std::vector<std::string>& extra_headers) {
  http_test::request_options options;
  options.bearer = user_.access;
  options.headers = extra_headers;
  auto r = client_->request(method, path, body, options);
  BOOST_TEST_MESSAGE(method << " " << path << " -> "
                            << (r.status != 0 ? std::to_string(r.status) : "no answer: " + r.transport_error));
  return r;
}

http_test::response session::post_with_key(const std::string& path, const std::string& body, const std::string& key) {
  return request("POST", path, body, {"Idempotency-Key: " + key});
}

const signed_in_user& session::keep_tokens(const http_test::response& r, const std::string& email,
                                           const std::string& password) {
  signed_in_user u;
  u.email = email;
  u.password = password;
  u.access = r.str("access");
  u.refresh = r.str("refresh");
  if (r.is_json && r.json.IsObject() && r.json.HasMember("user") && r.json["user"].IsObject() &&
      r.json["user"].HasMember("id") && r.json["user"]["id"].IsInt64())
    u.id = r.json["user"]["id"].GetInt64();
  if (u.access.empty() || u.id <= 0)
    throw std::runtime_error(r.request + ": no access token or user id in the answer: " + r.describe());
  user_ = u;
  return user_;
}

const signed_in_user& session::sign_up(const std::string& tag, const http_test::json_object& extra_members) {
  auto email = http_test::unique_email(tag);
  std::string password = "Integr4tion-" + unique_tag("pw");
  http_test::json_object body{{"email", email}, {"password", password}};
  body.merge(extra_members);
  sign_out();  // register ignores a bearer token anyway; the new user's tokens replace it
  auto r = request("POST", "/api/auth/register/", std::string{body});
  if (r.status != 201)
    throw std::runtime_error("signing up " + email + " failed: " + r.describe());
  return keep_tokens(r, email, password);
}

const signed_in_user& session::sign_in(const std::string& email, const std::string& password) {
  sign_out();
  auto r = request("POST", "/api/auth/login/", std::string{http_test::json_object{{"email", email}, {"password", password}}});
  if (r.status != 200)
    throw std::runtime_error("signing in as " + email + " failed: " + r.describe());
  return keep_tokens(r, email, password);
}

session staff_session(const std::string& base_url) {
  session s{base_url.empty() ? app_url() : base_url};
  s.sign_in(admin_email(), admin_password());
  return s;
}

std::string unique_tag(const std::string& prefix) { return http_test::unique_tag(prefix); }

}  // namespace integration
