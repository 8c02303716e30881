// SQL for payments, notifications and the gateway-call audit. A charge runs in three steps so
// that no gateway call ever happens inside a database transaction:
//   begin_charge  (order -> payment_status pending, a 'processing' payment row with its key and
//                  what it takes to send it again, written before the call; the partial unique
//                  index allows one in flight or unknown per order, across nodes)
//   ... the gateway call ...
//   finish_charge (the payment's outcome and the order's payment state, in one transaction)
// A call whose answer never came leaves the attempt 'unknown' (so does a 'processing' one past
// its in_flight_until: its node died); unsettled_attempts_of() lists them for settling under the
// same key, orders_with_unsettled_attempts() finds the orders for a reconciliation job.
#pragma once

#include "persistence/idempotency_keys.hpp"
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
  domain::charge_status status = domain::charge_status::processing;
  int64_t amount_minor = 0;
  std::string currency;
  std::string payment_method;
  std::string provider;
  std::optional<std::string> provider_payment_id;
  std::optional<std::string> confirmation_url;
  std::string idempotence_key;
  std::string created_at;
};

struct refund_record {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t payment_id = 0;
  int64_t amount_minor = 0;
  std::string currency;
  std::string status;  ///< processing, unknown (domain::refund_attempt), then the gateway's word (pending, succeeded, ...)
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

/// What a charge is sent with, written down before the call so that an unknown outcome can be
/// settled by sending exactly the same request again under the same key.
struct charge_attempt {
  std::string payment_method;
  std::string provider;
  bool two_step = false;
  std::string payment_token;
  std::string return_url;
  std::string client_ip;
  int64_t in_flight_ms = 0;  ///< how long the call may run; after it the attempt is unknown
};

enum class begin_outcome { started, already_paid, in_progress, invalid_state };
struct begin_result {
  begin_outcome outcome = begin_outcome::started;
  payment_record payment;
};
/// Starts a charge of the order's total, if the order can be paid and none is in flight or
/// unknown.
begin_result begin_charge(pg::connection& c, int64_t order_id, const charge_attempt& attempt);

using domain::charge_outcome;
struct finish_result {
  payment_record payment;
  order_record order;
  /// A success on an order cancelled meanwhile: the refund reserved for it, to send at once.
  std::optional<refund_begin_result> cancellation_refund;
};
/// Records the gateway's answer for a processing, unknown or pending payment: succeeded ->
/// order paid (and confirmed if it was pending), or, when the order was cancelled meanwhile, a
/// full refund reserved (cancellation_refund); pending -> order payment_status pending; failed
/// -> order payment_status back to unpaid; unknown -> the payment 'unknown', the order still
/// awaiting it. nullopt when the payment was already settled (by another confirm, on any
/// node): nothing changes. `refund_in_flight_ms` bounds the cancellation refund's call.
std::optional<finish_result> finish_charge(pg::connection& c, int64_t payment_id, charge_outcome outcome,
                            const std::string& provider_payment_id, const std::string& confirmation_url,
                            const std::string& failure, int64_t refund_in_flight_ms = 0);

/// An unknown charge with the request it was sent as.
struct unsettled_charge {
  payment_record payment;
  bool two_step = false;
  std::string payment_token;
  std::string return_url;
  std::string client_ip;
};
/// The order's attempts whose outcome is unknown: the charge (at most one) and the refunds (each
/// with its payment's provider id). charge_in_flight: a charge is still within its call on some
/// node, so nothing new may start yet.
struct unsettled_attempts {
  std::optional<unsettled_charge> charge;
  std::vector<refund_begin_result> refunds;
  bool charge_in_flight = false;
};
unsettled_attempts unsettled_attempts_of(pg::connection& c, int64_t order_id);

/// Orders with unknown charge or refund attempts, oldest first: for a reconciliation job, which
/// settles each through its order actor (settle_unknown). `min_age_seconds`: only attempts
/// unknown at least that long (the buyer's own retry settles fresh ones first).
std::vector<int64_t> orders_with_unsettled_attempts(pg::connection& c, int64_t limit, int64_t min_age_seconds = 0);

std::optional<payment_record> find_payment(pg::connection& c, int64_t id);

/// The order's payment that is pending at the provider (created there, not yet settled), if any.
std::optional<payment_record> pending_payment_of(pg::connection& c, int64_t order_id);

/// The order whose latest pending payment has this id at this provider, if any (webhooks).
std::optional<int64_t> order_of_pending_payment(pg::connection& c, const std::string& provider,
                                                const std::string& provider_payment_id);

/// Charges and refunds whose server stopped during the gateway call stay 'processing': past
/// their in_flight_until they become 'unknown' (never failed: the call may have gone through),
/// to be settled with the provider. Returns the orders concerned.
std::vector<int64_t> mark_abandoned_attempts_unknown(pg::connection& c);

/// Reserves a refund of `amount_minor` (nullopt: everything not yet refunded) under the order's
/// row lock: the refund row (status processing, with its key, written before the call) and
/// refunded_minor raised at once, so concurrent refunds (any node) never exceed what was paid.
refund_begin_result begin_refund(pg::connection& c, int64_t order_id, std::optional<int64_t> amount_minor,
                                 const std::string& reason, int64_t in_flight_ms);

struct refund_finish_result {
  refund_record refund;
  order_record order;
};
enum class refund_outcome { accepted, refused, unknown };
/// Accepted: the gateway's status on the refund, and the order partially_refunded, or refunded
/// (payment_status, and status unless cancelled) when nothing is left. Refused: the reservation
/// is undone. Unknown: the refund 'unknown', its amount still reserved. Returns the refund and
/// order when accepted (or settled so before), nullopt otherwise.
std::optional<refund_finish_result> finish_refund(pg::connection& c, int64_t refund_id, refund_outcome outcome,
                                                  const std::string& status, const std::string& provider_refund_id);

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
/// The notification of job `task_id` on `n.type`'s channel, claimed before the send: the first
/// claim writes `n` as 'failed' (not accepted yet), a later run of the same task gets that row
/// back as it stands (its `status` says whether anything is left to send).
notification_record claim_task_notification(pg::connection& c, const std::string& task_id,
                                             const notification_record& n, int64_t user_id);
/// The gateway accepted it.
void mark_notification_sent(pg::connection& c, int64_t id);

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
