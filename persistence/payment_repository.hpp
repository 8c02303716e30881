// SQL for payments, notifications and the gateway-call audit. A charge runs in three steps so
// that no gateway call ever happens inside a database transaction:
//   begin_charge  (order -> payment_status pending, a 'processing' payment row; the partial
//                  unique index allows one in flight per order, across nodes)
//   ... the gateway call ...
//   finish_charge (the payment's outcome and the order's payment state, in one transaction)
#pragma once

#include "persistence/order_repository.hpp"
#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct payment_record {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t user_id = 0;  ///< the order's owner
  std::string status;   ///< processing, pending, succeeded, failed
  int64_t amount_minor = 0;
  std::string currency;
  std::string payment_method;
  std::string provider;
  std::optional<std::string> provider_payment_id;
  std::optional<std::string> confirmation_url;
  std::string idempotence_key;
  std::string created_at;
};

enum class begin_outcome { started, already_paid, in_progress, invalid_state };
struct begin_result {
  begin_outcome outcome = begin_outcome::started;
  payment_record payment;
};
/// Starts a charge of the order's total, if the order can be paid and none is in flight.
begin_result begin_charge(pg::connection& c, int64_t order_id, const std::string& payment_method,
                          const std::string& provider);

enum class charge_outcome { succeeded, pending, failed };
struct finish_result {
  payment_record payment;
  order_record order;
};
/// Records the gateway's answer for a processing or pending payment: succeeded -> order paid
/// (and confirmed if it was pending); pending -> order payment_status pending; failed -> order
/// payment_status back to unpaid. nullopt when the payment was already settled (by another
/// confirm, on any node): nothing changes.
std::optional<finish_result> finish_charge(pg::connection& c, int64_t payment_id, charge_outcome outcome,
                            const std::string& provider_payment_id, const std::string& confirmation_url,
                            const std::string& failure);

std::optional<payment_record> find_payment(pg::connection& c, int64_t id);

/// The order's payment that is pending at the provider (created there, not yet settled), if any.
std::optional<payment_record> pending_payment_of(pg::connection& c, int64_t order_id);

/// The order whose latest pending payment has this id at this provider, if any (webhooks).
std::optional<int64_t> order_of_pending_payment(pg::connection& c, const std::string& provider,
                                                const std::string& provider_payment_id);

/// Charges whose server stopped during the gateway call stay 'processing' and would block the
/// order for good: after `older_than_seconds` they are marked failed and the order is payable
/// again. Returns their ids (to be reconciled with the provider: the charge may have happened).
std::vector<int64_t> release_stale_charges(pg::connection& c, int64_t older_than_seconds);

struct refund_record {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t payment_id = 0;
  int64_t amount_minor = 0;
  std::string currency;
  std::string status;
  std::string reason;
  std::string idempotence_key;
  std::string created_at;
};

enum class refund_begin_outcome { started, invalid_state, not_positive, exceeds_paid };
struct refund_begin_result {
  refund_begin_outcome outcome = refund_begin_outcome::started;
  refund_record refund;
  std::string provider_payment_id;  ///< of the order's successful payment
};
/// Reserves a refund of `amount_minor` (nullopt: everything not yet refunded) under the order's
/// row lock: the refund row (status processing) and refunded_minor raised at once, so
/// concurrent refunds (any node) can never exceed what was paid.
refund_begin_result begin_refund(pg::connection& c, int64_t order_id, std::optional<int64_t> amount_minor,
                                 const std::string& reason);

struct refund_finish_result {
  refund_record refund;
  order_record order;
};
/// Accepted: the gateway's status on the refund, and the order partially_refunded, or refunded
/// (payment_status and status) when nothing is left. Rejected: the reservation is undone.
std::optional<refund_finish_result> finish_refund(pg::connection& c, int64_t refund_id, bool accepted,
                                                  const std::string& status, const std::string& provider_refund_id);

/// Idempotency-Key for multi-step operations (payments, refunds): claimed before any gateway
/// call, completed with the resource it produced, released when the operation failed.
enum class key_claim { claimed, replay, reused, in_progress };
struct key_claim_result {
  key_claim outcome = key_claim::claimed;
  int64_t resource_id = 0;  ///< replay: the payment or refund the first request produced
};
key_claim_result claim_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint,
                                       const std::string& key, const std::string& request_hash);
void complete_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key,
                              int64_t resource_id);
void release_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key);

std::optional<refund_record> find_refund(pg::connection& c, int64_t id);

struct notification_record {
  int64_t id = 0;
  int64_t order_id = 0;
  std::string type;
  std::string provider;
  std::string notification_type;
  std::string status;
  std::string recipient;
  std::string created_at;
};
notification_record record_notification(pg::connection& c, const notification_record& n, int64_t user_id);
std::vector<notification_record> notifications_of_order(pg::connection& c, int64_t order_id);

/// How to reach the order's owner: e-mail, and phone when they gave one.
struct owner_contact {
  int64_t user_id = 0;
  std::string email;
  std::optional<std::string> phone;
};
std::optional<owner_contact> order_owner_contact(pg::connection& c, int64_t order_id);

void record_gateway_call(pg::connection& c, const std::string& provider, const std::string& operation,
                         const std::string& method, const std::string& path, long status, const std::string& failure,
                         int attempts, int64_t latency_ms);

}  // namespace commerce::persistence
