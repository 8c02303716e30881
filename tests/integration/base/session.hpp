// The document's IntegrationTestBase session (section 3.1): one HTTP connection to a store,
// the caller's bearer token added to every request once signed in, and a log line per request
// ("METHOD path -> status", shown with --log_level=message). Signing up uses a unique e-mail
// per run and keeps the token (document bug: create_test_user used a fixed address and dropped
// the token after a 201, so every later request was anonymous).
#pragma once

#include "tests/http/support/http_client.hpp"
#include "tests/http/support/json_body.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace integration {

/// Who a session is signed in as.
struct signed_in_user {
  int64_t id = 0;
  std::string email;
  std::string password;
  std::string access;
  std::string refresh;
};

class session {
public:
  /// A session with the store at `base_url` (default: APP_URL), anonymous at first.
  explicit session(const std::string& base_url = app_url_default());

  http_test::response request(const std::string& method, const std::string& path,
                              const std::optional<std::string>& body = std::nullopt,
                              const std::vector<std::string>& extra_headers = {});
  http_test::response get(const std::string& path) { return request("GET", path); }
  http_test::response post(const std::string& path, const std::string& body = "") { return request("POST", path, body); }
  http_test::response put(const std::string& path, const std::string& body) { return request("PUT", path, body); }
  http_test::response patch(const std::string& path, const std::string& body) { return request("PATCH", path, body); }
  http_test::response del(const std::string& path) { return request("DELETE", path); }
  /// POST with an Idempotency-Key header.
  http_test::response post_with_key(const std::string& path, const std::string& body, const std::string& key);

  /// POST /api/auth/register/ with a unique e-mail ("<tag>...@example.com"), a valid password
  /// and `extra_members` (first_name, phone...); keeps the tokens. Throws with the answer
  /// unless 201 with tokens and a user id.
  const signed_in_user& sign_up(const std::string& tag = "user", const http_test::json_object& extra_members = {});
  /// POST /api/auth/login/; keeps the tokens. Throws with the answer unless 200.
  const signed_in_user& sign_in(const std::string& email, const std::string& password);
  /// Replaces the access token (after a password change, or to act with an old one).
  void use_token(const std::string& access) { user_.access = access; }
  /// Forgets the token: later requests are anonymous.
  void sign_out() { user_ = {}; }

  bool signed_in() const { return !user_.access.empty(); }
  const signed_in_user& user() const { return user_; }
  const std::string& base_url() const { return client_->base_url(); }

private:
  static std::string app_url_default();
  const signed_in_user& keep_tokens(const http_test::response& r, const std::string& email,
                                    const std::string& password);

  std::unique_ptr<http_test::client> client_;  // held by pointer: sessions are movable
  signed_in_user user_;
};

/// A session signed in as the staff account (ADMIN_EMAIL / ADMIN_PASSWORD) at `base_url`
/// (default APP_URL). Catalog writes, inventory and analytics stats are staff-only.
session staff_session(const std::string& base_url = "");

/// A run-unique tag of letters and digits (pid, counter, milliseconds): the stack's database
/// outlives a run, so names, SKUs and e-mails carry one and a rerun never collides.
std::string unique_tag(const std::string& prefix = "it");

}  // namespace integration
