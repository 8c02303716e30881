// Test support: dedicated servers in front of gateway mocks: their settings, a ready-made world
// (server, mocks, a buyer and a product), and checks that a secret stays hidden.
#pragma once

#include "tests/http/support/builders.hpp"
#include "tests/http/support/http_client.hpp"
#include "tests/http/support/mock_control.hpp"
#include "tests/http/support/process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace http_test {

/// The server never wrote `secret` to its log, nor to any column of gateway_calls.
void check_secret_hidden(const server_process& server, const std::string& secret);

/// A server pointed at a `kind` ("PAYMENT" or "SHIPPING") gateway and an e-mail gateway (the
/// document's *_MOCK_URL fallbacks unset), with GATEWAY_TIMEOUT_MS=1000 and `extra` on top.
server_process::options gateway_server(const std::string& kind, const std::string& gateway_url,
                                       const std::string& email_url, const env_overrides& extra = {});

/// A dedicated server in front of one gateway mock of `kind` ("PAYMENT" or "SHIPPING":
/// {kind}_PROVIDER, {kind}_SERVICE_URL = the mock's URL + `url_suffix`) and an e-mail mock that
/// accepts everything, with GATEWAY_TIMEOUT_MS=1000, `settings` on top; a buyer and a product.
struct gateway_world {
  gateway_mock gateway;
  gateway_mock mail;
  std::unique_ptr<server_process> server;
  std::unique_ptr<client> c;
  account owner;
  int64_t product = 0;

  gateway_world(const std::string& kind, const std::string& provider, const std::string& url_suffix,
                const env_overrides& settings, const std::string& tag, const std::string& price = "12.34");
  /// A new order of `quantity` pieces of the product, as the owner.
  int64_t new_order(int quantity = 1);
};

/// An e-mail gateway expectation: POST /api/v1/emails/send answered `status` with
/// {"id":"e1","status":"queued"}.
std::string email_queued_expectation(int status = 202);

/// Polls GET /api/notifications/order/{id}/ as `bearer` until the list holds at least `n`
/// entries or `limit` has passed; the last answer.
response notifications_of(client& c, int64_t order_id, const std::string& bearer, size_t n,
                          std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace http_test
