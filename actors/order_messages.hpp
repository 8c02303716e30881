// The order domain's protocol: checkout, reads and the lifecycle transitions, each order
// serialised by its own actor under the order supervisor.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/order_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>

namespace commerce::actors {

/// Who is asking: owners see their orders, staff see all, anyone else gets not_found.
struct requester {
  int64_t user_id = 0;
  bool is_staff = false;

  /// The one visibility rule of orders, payments, refunds, shipments and notifications.
  bool may_see(int64_t owner_id) const { return is_staff || owner_id == user_id; }
};

struct place_order {
  persistence::new_order order;
};
struct get_order {
  int64_t order_id = 0;
  requester who;
};
struct list_orders {
  int64_t user_id = 0;
  int64_t limit = 20;
  int64_t offset = 0;
};
struct cancel_order {
  int64_t order_id = 0;
  requester who;
};
/// A lifecycle step requested by the system (payments, fulfilment): to "confirmed",
/// "processing", "shipped", "delivered", "cancelled" or "refunded".
struct advance_order {
  int64_t order_id = 0;
  std::string to;
};

/// Starts the order's fulfilment (POST /process/, API.md §3.4), allowed while
/// domain::can_process: the order's actor has the job desk queue job_types::process_order for
/// the order's owner and replies the task (a task_reply, job_messages.hpp).
struct start_processing {
  int64_t order_id = 0;
  requester who;
  std::string payment_token;  ///< optional: what the job charges with ("": the payment method on file at the provider)
};
/// Reserves the order's stock again if a release took it back (the process job's first step);
/// replies the order, or insufficient_stock / invalid_order_state with the order unchanged.
struct ensure_reserved {
  int64_t order_id = 0;
};

struct order_reply {
  problem error;
  persistence::order_record order;
  bool replayed = false;  ///< an Idempotency-Key repeat: the first request's order
};
struct order_page_reply {
  problem error;
  persistence::order_page page;
};

/// Releases the stock of unpaid pending orders older than RESERVATION_TTL and marks gateway
/// calls abandoned by a stopped server unknown. Asked by the beat's reservations.release job
/// (actors/periodic_jobs.hpp), once cluster-wide; replies when both are done.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
struct sweep_reply {
  problem error;  ///< the database failed (nothing is known)
  int64_t released_orders = 0;
  int64_t abandoned_attempts = 0;  ///< orders whose gateway call was abandoned, now unknown
};

/// Settles the order's charge and refund attempts whose outcome is unknown (payment_messages.hpp).
using settle_unknown_atom = caf::atom_constant<caf::atom("settle_unk")>;

// The payment and shipping messages the order's actor serialises (payment_messages.hpp,
// shipping_messages.hpp); declared here so the interface below needs no more headers.
struct process_payment;
struct confirm_payment;
struct recheck_payment;
struct refund_payment;
struct payment_reply;
struct refund_reply;
struct settle_reply;
struct create_shipment;
struct get_shipment;
struct quote_shipping;
struct shipment_reply;
struct quote_reply;
struct task_reply;

/// The order supervisor's interface: checkout, listings, shipment reads and quotes are its
/// own; every other command is served by the order's actor, one at a time per order. Payment
/// reads, webhooks, notifications and Idempotency-Key claims are the payment desk's
/// (payment_desk_api in payment_messages.hpp).
using order_api = supervision_api::extend<caf::replies_to<place_order>::with<order_reply>,
                                          caf::replies_to<list_orders>::with<order_page_reply>,
                                          caf::replies_to<get_order>::with<order_reply>,
                                          caf::replies_to<cancel_order>::with<order_reply>,
                                          caf::replies_to<advance_order>::with<order_reply>,
                                          caf::replies_to<start_processing>::with<task_reply>,
                                          caf::replies_to<ensure_reserved>::with<order_reply>,
                                          caf::replies_to<process_payment>::with<payment_reply>,
                                          caf::replies_to<confirm_payment>::with<payment_reply>,
                                          caf::replies_to<recheck_payment>::with<payment_reply>,
                                          caf::replies_to<refund_payment>::with<refund_reply>,
                                          caf::replies_to<settle_unknown_atom, int64_t>::with<settle_reply>,
                                          caf::replies_to<create_shipment>::with<shipment_reply>,
                                          caf::replies_to<get_shipment>::with<shipment_reply>,
                                          caf::replies_to<quote_shipping>::with<quote_reply>,
                                          caf::replies_to<sweep_atom>::with<sweep_reply>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::place_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_orders)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::cancel_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::advance_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::start_processing)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::ensure_reserved)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::order_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::order_page_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::expired_reservations)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::sweep_reply)
