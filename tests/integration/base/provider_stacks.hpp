// Integration base, provider side: the running stack's shared commerce-mocks (reached by URL, never
// reset: other categories' default stubs and expectations live there too), the three provider stacks
// (APP_URL_PROVIDERS_A/B/C with their settings PROVIDERS_<X>_* from config/integration-providers.env,
// which the stack exports), the staff account of ADMIN_EMAIL, buyers with unique phones, and the SMTP
// test server's maildir. Tests identify their own requests at a shared mock by something unique to
// them (a token, an e-mail, a phone, an order id of one stack's database), so they never depend on
// what else the mock saw.
#pragma once

#include "tests/http/support/builders.hpp"
#include "tests/http/support/http_client.hpp"
#include "tests/http/support/json_body.hpp"
#include "tests/http/support/process.hpp"  // required_env

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace integration {

/// INTEGRATION_TASK_TIMEOUT_SECONDS (default 60).
std::chrono::milliseconds task_timeout();

/// A commerce-mock (MockServer's control API) the stack runs, by base URL.
class remote_mock {
public:
  explicit remote_mock(std::string base_url);
  const std::string& base_url() const { return base_url_; }
  /// PUT /mockserver/expectation; throws with the answer unless 201.
  void expect(const std::string& expectation_json);
  /// PUT /mockserver/verify with the body as given: 202 matched, 406 not.
  http_test::response verify(const std::string& verification_json);
  /// PUT /mockserver/retrieve?type=REQUESTS&format=JSON with a request matcher: the recorded
  /// requests, oldest first; throws unless 200 with an array.
  rapidjson::Document recorded(const std::string& matcher_json);
  /// recorded() polled until it holds at least `n` requests or `limit` passed (for calls made by
  /// background jobs).
  rapidjson::Document recorded_at_least(const std::string& matcher_json, size_t n,
                                        std::chrono::milliseconds limit = std::chrono::seconds(15));

private:
  std::string base_url_;
  std::unique_ptr<http_test::client> client_;
};

/// An expectation: `method path` (MockServer regex) whose body contains `body_substring` (none
/// when empty) answered `status` with `response_body` (JSON text, sent as JSON with its
/// Content-Type), `extra_headers_json` ({"Name":["v"]}) added to the answer. `times` > 0 limits
/// how often it matches. Priority 10: above the stack's default stubs (-10).
std::string expectation(const std::string& method, const std::string& path, const std::string& body_substring,
                        int status, const std::string& response_body, int times = 0,
                        const std::string& extra_headers_json = "");
/// The same, identified by `id` (a later one with that id replaces it), matching any body.
std::string shared_expectation(const std::string& id, const std::string& method, const std::string& path,
                               int status, const std::string& response_body);
/// A request matcher: `method path`, body containing `body_substring` when not empty.
std::string matcher(const std::string& method, const std::string& path, const std::string& body_substring = "");

/// One provider stack: a `commerce-server --role all` with its own database and providers.
struct provider_stack {
  char letter = 'A';
  std::string app_url;
  /// PROVIDERS_<letter>_<name>, the stack's value of setting `name` ("" when empty).
  std::string setting(const std::string& name) const;
};
/// APP_URL_PROVIDERS_<letter> and its settings; throws naming what is missing.
provider_stack stack(char letter);

/// The ADMIN_EMAIL staff user logged in at `c`; throws with the answer on failure.
http_test::account staff(http_test::client& c);
/// A phone unique to this run in E.164: "+79" and 9 digits.
std::string unique_phone();
/// The phone's digits without '+' (SMS.ru, Twilio's form value decoded).
std::string digits_of(const std::string& phone);
/// Percent-encoding as form bodies carry it (RFC 3986 unreserved kept).
std::string form_encoded(const std::string& s);
/// Money as the API takes it: two decimals ("151.00").
std::string money_text(double amount);
/// base64("user:password") behind "Basic ".
std::string basic_auth(const std::string& user, const std::string& password);

/// A buyer at one server, a product there, and order helpers.
struct shop {
  std::unique_ptr<http_test::client> c;
  http_test::account staff;
  http_test::account buyer;
  std::string phone;  ///< the buyer's ("" when registered without)
  int64_t product = 0;
  std::string sku;
  std::string price;

  /// Registers a buyer (with a unique phone when `with_phone`) and, as staff, a product at `price`.
  shop(const std::string& app_url, const std::string& tag, bool with_phone, const std::string& price = "150.00");
  /// POST /api/orders/ of `quantity` pieces; requires 201; the order id.
  int64_t order(int quantity);
  http_test::response get_order(int64_t id);
  /// GET /api/notifications/order/{id}/ polled until it holds `n` entries (task_timeout() at most).
  http_test::response notifications(int64_t id, size_t n);
};

/// The notification of `type` ("email"/"sms") and `notification_type` in a list answer: its fields as
/// "provider/status/recipient", or "<none>" / "<2 of them>".
std::string notification_in(const http_test::response& list, const std::string& type,
                            const std::string& notification_type);

/// The SMTP test server's messages (SMTP_MAILDIR, new/ and cur/) that contain every one of `parts`,
/// polled for up to `limit`; their raw text.
std::vector<std::string> maildir_messages_with(const std::vector<std::string>& parts,
                                               std::chrono::milliseconds limit = std::chrono::seconds(15));

}  // namespace integration
