// The order lifecycle, in one place (API.md §3.4, §3.5, §5): the statuses of an order, of its
// payment state, of a charge and of a refund attempt, and every move between them. Pure values
// and rules: no I/O, no actors. The actors decide with these functions; the repositories bind
// what they return into their guarded SQL (WHERE status = from ... SET status = to), so the SQL
// holds no status of its own. Statuses become text only at the persistence boundary and in the
// rendering (to_string / parse).
//
//   pending -> confirmed (paid) -> processing -> shipped -> delivered
//   pending -> cancelled;  confirmed | processing | shipped | delivered -> refunded (full refund)
// Everything else is illegal and answered with invalid_order_state (409).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::domain {

enum class order_status { pending, confirmed, processing, shipped, delivered, cancelled, refunded };

/// The order's payment_status column: how much of it is paid.
enum class payment_status { unpaid, pending, paid, partially_refunded, refunded };

/// A charge (a payments row): processing while the gateway is asked (written before the call),
/// unknown when its answer never came, then the gateway's outcome.
enum class charge_status { processing, unknown, pending, succeeded, failed };

/// A refund row while it is ours: processing during the gateway call, unknown when its answer
/// never came. Once accepted the row holds the gateway's own word (pending, succeeded, ...), which
/// the API shows as it came; so refund_record.status stays text and these are the words we write.
enum class refund_attempt { processing, unknown };
/// Refunds not yet settled by anyone: both of our words.
constexpr std::array<refund_attempt, 2> unsettled_refunds{refund_attempt::processing, refund_attempt::unknown};

/// A shipment row is 'creating' while claimed (the carrier call under way); once booked its
/// status is the carrier's own word ("created", "accepted", ...), shown as it came, so
/// shipment_record.status stays text and this is the one word we write.
enum class shipment_status { creating };

std::string to_string(order_status s);
std::string to_string(payment_status s);
std::string to_string(charge_status s);
std::string to_string(refund_attempt s);
std::string to_string(shipment_status s);

/// The status a word names; nullopt for any other word.
template <class Status>
std::optional<Status> parse(std::string_view text);
template <> std::optional<order_status> parse<order_status>(std::string_view text);
template <> std::optional<payment_status> parse<payment_status>(std::string_view text);
template <> std::optional<charge_status> parse<charge_status>(std::string_view text);
template <> std::optional<refund_attempt> parse<refund_attempt>(std::string_view text);
template <> std::optional<shipment_status> parse<shipment_status>(std::string_view text);

// ---- the order's own moves (staff set-status, cancel) ------------------------------------------

/// The processing step after `from`: pending -> confirmed -> processing -> shipped -> delivered.
std::optional<order_status> next_step(order_status from);
/// Only a pending order can be cancelled (and only while unpaid: requires_unpaid).
bool can_cancel(order_status from);
/// A confirmed (paid) order can be refunded in full at any later step.
bool can_refund(order_status from);
/// The whole table: a processing step, a cancel or a full refund.
bool can_move(order_status from, order_status to);
/// Whether entering `to` from `from` gives the reserved stock back. A cancelled order never
/// shipped anything; a refund does not restock (API.md §3.5).
bool releases_stock(order_status from, order_status to);
/// Whether entering `to` needs payment_status unpaid: a cancel never wins over a charge in
/// flight, unknown or succeeded (checked again in the SQL guard, for other nodes).
bool requires_unpaid(order_status to);
/// The payment_status that requires_unpaid() asks for.
constexpr payment_status unpaid_for_cancel = payment_status::unpaid;

/// Expiring a reservation: a pending, unpaid order past its TTL is cancelled, its stock released.
struct reservation_expiry {
  order_status from;
  payment_status while_payment;
  order_status to;
};
constexpr reservation_expiry expiring_reservation{order_status::pending, payment_status::unpaid,
                                                  order_status::cancelled};

/// A shipment can be booked for any order that is not cancelled or refunded.
bool can_ship(order_status s);

/// Fulfilment (/process/) may start on a pending or confirmed order: it reserves, charges and
/// ships what is missing, then moves the order to processing.
bool can_process(order_status s);

// ---- charges ---------------------------------------------------------------------------------

/// An order's status and payment state together: what a payment or refund moves.
struct order_state {
  order_status status;
  payment_status payment;
  bool operator==(const order_state& o) const { return status == o.status && payment == o.payment; }
  bool operator!=(const order_state& o) const { return !(*this == o); }
};

/// Already paid (or refunded since): a new charge is answered already_paid.
bool is_paid(payment_status p);
/// A charge may start on a pending or confirmed order (not yet paid).
bool accepts_charge(order_status s);
/// A started charge: the payment row's status, and the order's payment_status from then on (the
/// reservation sweep leaves it alone: it only expires 'unpaid').
constexpr charge_status charge_started = charge_status::processing;
constexpr payment_status payment_while_charging = payment_status::pending;
/// The charges whose outcome can still be recorded: not yet succeeded or failed.
constexpr std::array<charge_status, 3> settleable_charges{charge_status::processing, charge_status::unknown,
                                                          charge_status::pending};
/// The charges that block a new one (in flight or unknown): the partial unique index's set.
constexpr std::array<charge_status, 2> unsettled_charges{charge_status::processing, charge_status::unknown};
/// A charge pending at the provider: settled by its webhook or a status check.
constexpr charge_status awaiting_provider = charge_status::pending;

/// What the gateway said of a charge.
enum class charge_outcome { succeeded, pending, failed, unknown };
/// The charge row's status after `outcome`.
charge_status charge_after(charge_outcome outcome);
/// An unknown charge keeps the token it can be sent again with; a settled one drops it.
bool keeps_resend_token(charge_status s);

/// What a recorded charge outcome does to its order.
struct charge_settlement {
  /// Succeeded on an order cancelled meanwhile: the money goes back at once (a full refund).
  bool refund_at_once = false;
  /// The order's new state; nullopt: the order is left as it is.
  std::optional<order_state> order;
};
/// succeeded -> paid (and confirmed if it was pending), or refund_at_once when cancelled;
/// pending -> payment_status pending, failed -> unpaid (while unpaid or pending); unknown -> the
/// order keeps awaiting it.
charge_settlement after_charge(order_state now, charge_outcome outcome);
/// How the API shows a charge or refund: an attempt still ours (processing, unknown) is pending.
charge_status as_reported(charge_status s);

// ---- refunds ---------------------------------------------------------------------------------

/// A refund may be reserved on a paid order with something left to give back.
bool accepts_refund(payment_status p);
/// The charge a refund gives back: the order's one succeeded charge.
constexpr charge_status refundable_charge = charge_status::succeeded;
/// An accepted refund: partially_refunded, or refunded when nothing is left (and then the order
/// itself is refunded, unless cancelled: its charge landed late and went back).
order_state after_refund(order_state now, bool nothing_left);
/// How the API shows a refund's status: an attempt still ours (processing, unknown) is pending,
/// the gateway's word as it came.
std::string refund_as_reported(const std::string& status);

}  // namespace commerce::domain
