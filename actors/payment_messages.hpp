// The payment and notification protocol. Charges go through the order's actor (one at a
// time per order); reads, webhooks and Idempotency-Key claims go to the payment desk; e-mails
// go to the notifier.
#pragma once

#include "actors/order_messages.hpp"
#include "actors/gateway_messages.hpp"
#include "persistence/payment_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace commerce::actors {

/// A charge: one step (process: create, then check the status) or the first of two (create:
/// the buyer confirms at the provider, then confirm_payment settles it).
struct process_payment {
  int64_t order_id = 0;
  requester who;
  std::string payment_method = "card";
  std::string payment_token;
  bool two_step = false;
  std::optional<int64_t> expected_amount;  ///< two-step: must equal the order's total
  std::string return_url;
  std::string client_ip;  ///< the buyer's address, for providers that want it with a card charge
};
/// Settles a pending payment with the provider's current status.
struct confirm_payment {
  int64_t payment_id = 0;
  requester who;
  int64_t order_id = 0;  ///< resolved by the order supervisor
};
struct get_payment {
  int64_t payment_id = 0;
  requester who;
};
struct payment_reply {
  problem error;
  persistence::payment_record payment;
};

/// What recording a gateway's answer gave: the settled payment and order, or (when another
/// confirm settled it first, on any node) the payment as it stands.
struct charge_settlement {
  std::optional<persistence::finish_result> done;
  std::optional<persistence::payment_record> current;
};

struct refund_payment {
  int64_t order_id = 0;
  requester who;
  std::optional<int64_t> amount_minor;  ///< nullopt: everything not yet refunded
  std::string reason;
};
struct refund_reply {
  problem error;
  persistence::refund_record refund;
};

/// What to answer the provider: `ack` (its expected body) unless `error` says why not.
struct webhook_reply {
  problem error;
  std::string ack;
};
/// Re-reads the order's pending payment from the provider (a webhook named it); the payment
/// desk asks it of the order supervisor.
struct recheck_payment {
  int64_t order_id = 0;
};

/// Settles the order's charge and refund attempts whose outcome is unknown (API.md §5): each
/// is asked of the provider again under the key it was sent with (its status, where a provider
/// id is known). Sent as (settle_unknown_atom, order_id) to the order supervisor, by anyone
/// (a reconciliation job lists the orders with persistence::orders_with_unsettled_attempts);
/// the order's actor replies a settle_reply. Charges and refunds of the order do the same
/// before they send anything new. (settle_unknown_atom is in order_messages.hpp.)
struct settle_reply {
  problem error;          ///< the database failed (nothing is known)
  int settled = 0;        ///< attempts now known (succeeded, pending, failed, refused)
  int still_unknown = 0;  ///< attempts the provider could not settle now (it failed again)
  bool in_flight = false;  ///< a charge is still within its call on some node: try later
};

struct get_refund {
  int64_t refund_id = 0;
  requester who;
};

/// Idempotency-Key bookkeeping for payments and refunds (API.md §4), asked of the payment
/// desk by the front door around the operation itself.
struct claim_idempotency {
  int64_t user_id = 0;
  std::string endpoint;
  std::string key;
  std::string request_hash;
};
struct claim_reply {
  problem error;
  persistence::key_claim_result claim;
};
/// resource_id 0 releases the key (the operation failed; the client may retry with it).
struct settle_idempotency {
  int64_t user_id = 0;
  std::string endpoint;
  std::string key;
  int64_t resource_id = 0;
};

struct list_notifications {
  int64_t order_id = 0;
  requester who;
};
struct notifications_reply {
  problem error;
  std::vector<persistence::notification_record> items;
};

/// Queues job_types::send_notification (POST /api/notifications/send/) for the order's owner,
/// when `who` may see the order (anyone else gets not_found); replies the task (a task_reply,
/// job_messages.hpp). `notification_type` is one of order_notification_types.
struct request_notification {
  int64_t order_id = 0;
  requester who;
  std::string notification_type;
};

/// Ask the notifier to e-mail the order's owner; it records the outcome as a notification.
struct send_order_email {
  int64_t order_id = 0;
  std::string template_name;
  std::string subject;
};

/// The payment desk's interface (payment_desk.hpp): reads and bookkeeping that need no
/// per-order serialisation, so they never wait behind an order's gateway call. A webhook is
/// verified here; only the recheck it causes goes to the order's actor.
using payment_desk_api = caf::typed_actor<caf::replies_to<get_payment>::with<payment_reply>,
                                          caf::replies_to<get_refund>::with<refund_reply>,
                                          caf::replies_to<payment_webhook>::with<webhook_reply>,
                                          caf::replies_to<list_notifications>::with<notifications_reply>,
                                          caf::replies_to<request_notification>::with<task_reply>,
                                          caf::replies_to<claim_idempotency>::with<claim_reply>,
                                          caf::replies_to<settle_idempotency>::with<claim_reply>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::process_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::confirm_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::charge_settlement)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_refund)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::settle_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::unsettled_attempts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::owner_contact)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::recheck_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::webhook_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::claim_idempotency)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::claim_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::settle_idempotency)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<commerce::persistence::payment_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::payment_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_notifications)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::notifications_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::send_order_email)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::request_notification)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::begin_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::refund_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::refund_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::refund_begin_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<commerce::persistence::refund_finish_result>)
