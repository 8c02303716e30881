// The document's mock services (section 3.2) on the stack's shared commerce-mock processes:
// expectations set, verified and cleared BY ID. The mocks are shared by every test (and by the
// stack's default stubs, loaded with --stubs), so a test never resets them: it installs its own
// expectations (each with a unique id, matched on its own order or recipient where it matters),
// verifies requests that only it can have caused, and clears what it installed when it ends.
#pragma once

#include "tests/http/support/http_client.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

namespace integration {

/// The control plane of one commerce-mock (MockServer's REST API) at a base URL.
class mock_control {
public:
  /// `name` says which mock in messages ("payment mock").
  mock_control(std::string name, std::string base_url);

  /// PUT /mockserver/expectation of one expectation object (JSON text). It gets a unique "id"
  /// unless it has one; returns that id. Throws with the answer unless 201.
  std::string expect(const std::string& expectation_json);
  /// PUT /mockserver/clear {"id": id}: removes that expectation only (the journal stays, so other
  /// tests' verifications are untouched). Throws unless 200.
  void clear(const std::string& expectation_id);
  /// PUT /mockserver/verify with the body as given: 202 if matched, 406 with the reason if not.
  http_test::response verify(const std::string& verification_json);
  /// verify() of {"httpRequest": matcher, "times": {"atLeast": n, "atMost": m}}; a negative
  /// bound is left out.
  http_test::response verify_times(const std::string& http_request_json, int at_least, int at_most = -1);
  /// PUT /mockserver/retrieve?type=requests with a matcher: the recorded requests, oldest first.
  rapidjson::Document recorded(const std::string& http_request_json);

  const std::string& name() const { return name_; }
  const std::string& base_url() const { return base_url_; }

private:
  std::string name_, base_url_;
};

/// Expectations a test installs, cleared by id when it goes out of scope (even when the case
/// fails), so the shared mock is left as the stack set it up.
class scoped_expectations {
public:
  explicit scoped_expectations(mock_control& mock) : mock_(mock) {}
  scoped_expectations(const scoped_expectations&) = delete;
  scoped_expectations& operator=(const scoped_expectations&) = delete;
  ~scoped_expectations();
  /// mock_control::expect(), remembered for clearing.
  std::string add(const std::string& expectation_json);

private:
  mock_control& mock_;
  std::vector<std::string> ids_;
};

/// A request matcher {"method":..., "path":...} with an optional JSON body matched on the
/// fields given only (MockServer's ONLY_MATCHING_FIELDS).
std::string request_matcher(const std::string& method, const std::string& path, const std::string& json_body_subset = "");
/// A request matcher whose body contains `text` (a form body, or JSON spelt as the server writes it).
std::string request_with_text(const std::string& method, const std::string& path_regex, const std::string& text);
/// An expectation answering `matcher` with `status` and the JSON `body`, ahead of the stack's
/// default stubs (priority 10), `times` > 0 times or unlimited.
std::string answer(const std::string& matcher, int status, const std::string& json_body, int times = 0);

// --- the document's four kinds of gateway, as the main app (generic providers) calls them ---

/// The payment mock (PAYMENT_MOCK_URL).
class payment_mock : public mock_control {
public:
  payment_mock();
  /// POST /api/v1/payments for one order answered `status` with `json_body` (ahead of the stubs).
  std::string expect_create_for_order(scoped_expectations& scope, int64_t order_id, int status,
                                      const std::string& json_body);
  /// The charges the server sent for `order_id` (POST /api/v1/payments with that order_id).
  http_test::response verify_charged(int64_t order_id, int at_least, int at_most = -1);
  /// The refunds the server sent (POST /api/v1/refunds) whose body contains `text`.
  http_test::response verify_refund_with(const std::string& text, int at_least, int at_most = -1);
};

/// The shipping mock (SHIPPING_MOCK_URL).
class shipping_mock : public mock_control {
public:
  shipping_mock();
  /// POST /api/v1/shipping/orders for one order answered `status` with `json_body`.
  std::string expect_shipment_for_order(scoped_expectations& scope, int64_t order_id, int status,
                                        const std::string& json_body);
  /// The shipments the server booked for `order_id` (POST /api/v1/shipping/orders).
  http_test::response verify_shipment_booked(int64_t order_id, int at_least, int at_most = -1);
};

/// The e-mail mock (EMAIL_MOCK_URL).
class email_mock : public mock_control {
public:
  email_mock();
  /// POST /api/v1/emails/send to `to` answered `status` (the document set no expectation at all).
  std::string expect_send_to(scoped_expectations& scope, const std::string& to, int status);
  /// The e-mails the server sent to `to` with `template_name` (and `order_id` when > 0).
  http_test::response verify_sent(const std::string& to, const std::string& template_name, int64_t order_id,
                                  int at_least, int at_most = -1);
  /// The recorded bodies of e-mails to `to` with `template_name`, oldest first.
  std::vector<rapidjson::Document> sent_bodies(const std::string& to, const std::string& template_name);
};

/// The SMS mock (SMS_MOCK_URL): the provider stacks' Twilio and SMS.ru send form bodies.
class sms_mock : public mock_control {
public:
  sms_mock();
  /// POST `path_regex` answered `status` with `json_body` (e.g. Twilio's Messages.json).
  std::string expect_accepted(scoped_expectations& scope, const std::string& path_regex, int status,
                              const std::string& json_body);
  /// SMS sent to `phone_digits` (the number without "+", as it appears in any form encoding).
  http_test::response verify_sent_to(const std::string& phone_digits, int at_least, int at_most = -1);
};

/// The inventory feed mock (INVENTORY_MOCK_URL): GET /api/v1/inventory?page=N.
class inventory_mock : public mock_control {
public:
  inventory_mock();
  /// A one-page feed: {"items":[{sku, quantity}...], "next_page": null}, ahead of the stubs.
  std::string expect_feed(scoped_expectations& scope, const std::vector<std::pair<std::string, int>>& items);
};

}  // namespace integration
