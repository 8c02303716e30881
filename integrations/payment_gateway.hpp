// The payment gateway interface: one implementation per provider (integrations/payments/),
// chosen by PAYMENT_PROVIDER. Calls block (libcurl): run them on the gateway pool.
#pragma once

#include "integrations/gateway_client.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace commerce::integrations {

struct charge_request {
  int64_t order_id = 0;
  int64_t amount_minor = 0;
  std::string currency = "RUB";
  std::string payment_method = "card";
  std::string payment_token;
  std::string description;
  std::string idempotency_key;  ///< our payment's UUID; the provider deduplicates on it
  std::string return_url;       ///< two-step payments: where the provider sends the buyer back
  int64_t customer_id = 0;      ///< the order's owner (CloudPayments' AccountId)
  std::string client_ip;        ///< the buyer's address (CloudPayments' IpAddress for card charges)
};

/// What a provider said, mapped to our vocabulary (API.md §6): succeeded; pending
/// (pending, waiting_for_capture); failed (canceled, failed); or no usable answer at all.
enum class gateway_outcome { succeeded, pending, failed, gateway_error, timeout };

struct payment_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;
  std::string provider_payment_id;
  std::string confirmation_url;
  std::string detail;  ///< why, for logs and the payment row (never secrets)
  /// gateway_error or timeout after the request was sent (a timeout, a connection dropped after
  /// sending, a 5xx, an unreadable 2xx): it may have taken effect, so the attempt is unknown,
  /// not failed, and is settled under the same key before anything new is sent.
  bool outcome_unknown = false;
  bool refused = false;  ///< gateway_error because the provider answered 4xx: it did not take it
};

struct refund_request {
  std::string provider_payment_id;
  int64_t amount_minor = 0;
  std::string currency = "RUB";
  std::string reason;
  std::string idempotency_key;  ///< our refund's UUID
};

struct refund_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;  ///< succeeded when the gateway accepted it
  std::string provider_refund_id;
  std::string status;  ///< the gateway's word: pending, succeeded, ...
  std::string detail;
  bool outcome_unknown = false;  ///< as payment_result::outcome_unknown
  bool refused = false;          ///< as payment_result::refused
};

/// A provider's notification that passed its signature check. It only says which order to
/// look at again: the status is always re-read from the provider, never taken from the body.
struct webhook_event {
  std::string type;
  int64_t order_id = 0;             ///< when the signed body names our order
  std::string provider_payment_id;  ///< otherwise the provider's payment id, resolved by our records
};

class payment_gateway {
public:
  virtual ~payment_gateway() = default;
  virtual const std::string& provider() const = 0;
  /// Creates (and, where the provider does it in one step, captures) a payment.
  virtual payment_result create(const charge_request& request) = 0;
  /// The payment's current status at the provider.
  virtual payment_result fetch(const std::string& provider_payment_id) = 0;
  /// The provider's payment for the order of `request`, where the provider can be asked by our
  /// order (settling a charge whose outcome is unknown): failed when it has none. nullopt when it
  /// cannot be asked; the charge is then sent again under the same key instead.
  virtual std::optional<payment_result> find_by_order(const charge_request& request) { return std::nullopt; }
  /// Refunds part or all of a captured payment.
  virtual refund_result refund(const refund_request& request) = 0;
  /// Verifies a webhook (headers by lower-case name, the raw body, the time now); nullopt when
  /// the signature is wrong or stale, or the provider sends no signed webhooks.
  virtual std::optional<webhook_event> verify_webhook(const std::map<std::string, std::string>& headers,
                                                      const std::string& body, int64_t now) const {
    return std::nullopt;
  }
  /// The body of our 200 to an accepted webhook, in the form the provider expects.
  virtual std::string webhook_ack() const { return R"({"received":true})"; }
};

struct payment_credentials {
  std::string account_id;  ///< YooKassa shopId, CloudPayments PublicId
  std::string secret;      ///< Stripe secret key, YooKassa secret key, CloudPayments API secret (also its webhook key; never logged)
  std::string webhook_secret;  ///< Stripe's whsec_... signing secret
};

/// The provider named by PAYMENT_PROVIDER; throws std::invalid_argument for an unknown one.
std::unique_ptr<payment_gateway> make_payment_gateway(const std::string& provider, const std::string& base_url,
                                                      std::shared_ptr<gateway_client> client,
                                                      const payment_credentials& credentials = {});

/// "Authorization: Basic base64(user:password)".
std::string basic_auth_header(const std::string& user, const std::string& password);

// One factory per provider file.
std::unique_ptr<payment_gateway> make_yookassa(std::string base_url, std::shared_ptr<gateway_client> client,
                                               payment_credentials credentials);
std::unique_ptr<payment_gateway> make_stripe(std::string base_url, std::shared_ptr<gateway_client> client,
                                             payment_credentials credentials);
std::unique_ptr<payment_gateway> make_cloudpayments(std::string base_url, std::shared_ptr<gateway_client> client,
                                                    payment_credentials credentials);

/// The status words every provider's answers map through.
gateway_outcome outcome_of_status(const std::string& status);

}  // namespace commerce::integrations
