// Integration base, provider side (built on the rest of the base): the three provider stacks
// (APP_URL_PROVIDERS_A/B/C, each a `commerce-server --role all` whose configuration selects real
// providers, with its settings PROVIDERS_<X>_* from config/integration-providers.env, which the stack
// exports), the shared mocks as a test sees them (its expectations cleared when it ends), a shop (staff,
// a buyer with a unique phone, a product) on any of the servers, and the encodings the providers'
// wire formats need to match a test's own requests at a shared mock: a form-encoded e-mail or phone, a
// number without "+", HTTP Basic credentials.
#pragma once

#include "tests/integration/base/integration_base.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace integration {

/// A shared mock (MockServer API) as one test uses it: expect() installs an expectation that is
/// cleared when the test_mock goes out of scope; recorded() and verify() read the whole journal.
class test_mock {
public:
  test_mock(std::string name, std::string base_url) : control_(std::move(name), std::move(base_url)), scope_(control_) {}
  void expect(const std::string& expectation_json) { scope_.add(expectation_json); }
  rapidjson::Document recorded(const std::string& matcher_json) { return control_.recorded(matcher_json); }
  http_test::response verify(const std::string& verification_json) { return control_.verify(verification_json); }

private:
  mock_control control_;  // before scope_, which clears through it
  scoped_expectations scope_;
};

/// The payment, e-mail, SMS, shipping and inventory mocks of the stack, for one test.
struct stack_mocks {
  test_mock pay{"payment mock", payment_mock_url()};
  test_mock mail{"e-mail mock", email_mock_url()};
  test_mock sms{"SMS mock", sms_mock_url()};
  test_mock ship{"shipping mock", shipping_mock_url()};
};

/// A request matcher: `method path` (MockServer regex), its body containing `body_text` when not
/// empty (form bodies, or JSON spelt as the server writes it).
std::string matcher(const std::string& method, const std::string& path, const std::string& body_text = "");
/// answer() (priority 10, ahead of the stack's default stubs) of matcher(method, path, body_text):
/// `status` with the JSON `response_body`, `times` > 0 times or unlimited.
std::string expectation(const std::string& method, const std::string& path, const std::string& body_text, int status,
                        const std::string& response_body, int times = 0);

/// One provider stack.
struct provider_stack {
  char letter = 'A';
  std::string app_url;
  /// PROVIDERS_<letter>_<name>: the stack's value of setting `name` ("" when empty).
  std::string setting(const std::string& name) const;
};
/// APP_URL_PROVIDERS_<letter> and its settings; throws naming what is missing.
provider_stack stack(char letter);

/// A phone unique to this run in E.164: "+79" and 9 digits.
std::string unique_phone();
/// The digits of a phone, without "+" (SMS.ru's `to`, the SMS mock's verify_sent_to()).
std::string digits_of(const std::string& phone);
/// Percent-encoding as the providers' form bodies carry it (RFC 3986 unreserved kept).
std::string form_encoded(const std::string& s);
/// Money as the API takes it: two decimals ("151.00").
std::string money_text(double amount);
/// "Basic " + base64("user:password").
std::string basic_auth(const std::string& user, const std::string& password);
/// A number unique to this run (nine digits), for provider ids a test invents.
int64_t unique_number();

/// A session at `base_url` (APP_URL when empty) acting as the ADMIN_EMAIL staff user, with a token
/// signed in once per server and program: the server allows an account 10 sign-ins a minute
/// (AUTH_ACCOUNT_*), and the four categories sign staff in at the same servers within a minute.
session shared_staff_session(const std::string& base_url = "");

/// Staff, a buyer (with a unique phone when `with_phone`) and a product at `price` in the store at
/// `base_url`, and the order helpers the provider flows need.
struct shop {
  session staff;
  session buyer;
  std::string phone;  ///< the buyer's, "" when registered without one
  test_product product;

  shop(const std::string& base_url, const std::string& tag, bool with_phone, const std::string& price = "150.00");
  /// A new order of `quantity` pieces of the product (201 asserted); its id.
  int64_t order(int quantity);
  http_test::response get_order(int64_t id);
  /// GET /api/notifications/order/{id}/ polled until it lists `n` entries (task_timeout() at most).
  http_test::response notifications(int64_t id, size_t n);
};

/// The notification of `type` ("email" or "sms") and `notification_type` in a list answer, as
/// "provider/status/recipient"; "<none>", or "<N of them>" when there are several.
std::string notification_in(const http_test::response& list, const std::string& type,
                            const std::string& notification_type);
/// Whether an order answer has `key` true.
bool flag_of(const http_test::response& r, const char* key);

}  // namespace integration
