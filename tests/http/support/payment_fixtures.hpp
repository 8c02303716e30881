// Test support: what the payment suites share: the document's gateway replies
// (online-store-integration-testing.ru.md), request matchers, request bodies, the rows the
// server writes, and a suite environment with a payment mock, an e-mail mock and a server.
#pragma once

#include "tests/http/support/builders.hpp"
#include "tests/http/support/mock_control.hpp"
#include "tests/http/support/process.hpp"

#include <cstdint>
#include <string>

namespace http_test {

// ---------------------------------------------------------------------------------------------
// The document's generic payment gateway. Its response bodies are Python json.dumps() strings,
// so mock_answer() sends them as JSON strings, exactly like that.

/// IntegrationTestBase._setup_payment_mock: POST /api/v1/payments -> 201 pending.
inline constexpr const char* doc_create_reply =
  R"({"id": "pay_test_123", "status": "pending", "confirmation_url": "https://payment-test.com/confirm"})";
/// PaymentServiceMock: GET /api/v1/payments/.+ -> 200 succeeded (another id, a constant amount).
inline constexpr const char* doc_succeeded_reply =
  R"({"id": "pay_mock_123", "status": "succeeded", "paid": true, "amount": 1000, "currency": "RUB"})";
/// The same GET, answering that the payment still awaits confirmation.
inline constexpr const char* doc_pending_reply =
  R"({"id": "pay_mock_123", "status": "pending", "paid": false, "amount": 1000, "currency": "RUB"})";
/// The same GET, answering that the buyer gave up.
inline constexpr const char* doc_canceled_reply =
  R"({"id": "pay_mock_123", "status": "canceled", "paid": false, "amount": 1000, "currency": "RUB"})";
/// The confirmation_url of doc_create_reply.
inline constexpr const char* doc_confirmation_url = "https://payment-test.com/confirm";

/// The create expectation: the document's own (with its Content-Type header), optionally with
/// a response delay.
std::string doc_create_expectation(int status = 201, const std::string& body = doc_create_reply, int delay_ms = 0);
/// PaymentServiceMock._setup_expectation("GET", "/api/v1/payments/.+", ...): no headers at all.
std::string doc_status_expectation(const std::string& body = doc_succeeded_reply);

/// Request matchers at the generic gateway.
inline constexpr const char* post_payments = R"({"method":"POST","path":"/api/v1/payments"})";
inline constexpr const char* get_payments = R"({"method":"GET","path":"/api/v1/payments/.+"})";
inline constexpr const char* post_refunds = R"({"method":"POST","path":"/api/v1/refunds"})";
inline constexpr const char* payment_calls = R"({"path":"/api/v1/payments.*"})";  ///< any method
/// The order_confirmation e-mail of one order (JSON body matched on these fields only).
std::string confirmation_email_of(int64_t order_id);
/// The e-mail of `template_name` about `order_id` to `to` (JSON body matched on these fields
/// only): a mock also gets e-mails that are no test's business (the server delivers every
/// verification e-mail of the shared outbox through its gateway), so a test counts its own.
std::string email_of(const std::string& to, const std::string& template_name, int64_t order_id);

/// Exactly `n` recorded requests at `mock` match `http_request` (verify, atLeast/atMost n).
void check_seen(gateway_mock& mock, const std::string& http_request, int n, const std::string& context);

// ---------------------------------------------------------------------------------------------
// The rows the server writes

/// The statuses of the order's payment rows, oldest first, e.g. "failed,succeeded" ("" for none).
std::string payment_rows(int64_t order_id);
/// The order's row: "status/payment_status/payment_processed" ("<no order>" if there is none).
std::string order_row(int64_t order_id);
/// The order's row: "status/payment_status" ("<no order>" if there is none).
std::string order_state(int64_t order_id);

// ---------------------------------------------------------------------------------------------
// A suite's environment

/// A payment mock and an e-mail mock, a server in front of them (GATEWAY_TIMEOUT_MS=1000 and
/// `settings`), two buyers and staff, and a product at 123.45 with plenty of stock.
struct payment_suite_env {
  gateway_mock pay;
  gateway_mock mail;
  server_process server;
  account owner, stranger, staff;
  int64_t product = 0;  ///< 123.45 RUB

  payment_suite_env(const std::string& owner_tag, const std::string& stranger_tag, const std::string& product_name,
                    const env_overrides& settings = {});

  /// Both mocks reset, the e-mail mock accepting every e-mail (for each case).
  void reset_mocks();
};

}  // namespace http_test
