#include "domain/order_lifecycle.hpp"

#include <algorithm>

namespace commerce::domain {

namespace {

// One word per value, in the enum's order; parse() searches the same table.
constexpr std::array<std::string_view, 7> order_words{"pending",   "confirmed", "processing", "shipped",
                                                      "delivered", "cancelled", "refunded"};
constexpr std::array<std::string_view, 5> payment_words{"unpaid", "pending", "paid", "partially_refunded",
                                                        "refunded"};
constexpr std::array<std::string_view, 5> charge_words{"processing", "unknown", "pending", "succeeded", "failed"};
constexpr std::array<std::string_view, 2> refund_words{"processing", "unknown"};
constexpr std::array<std::string_view, 1> shipment_words{"creating"};

template <class Status, size_t N>
std::string word_of(const std::array<std::string_view, N>& words, Status s) {
  return std::string{words.at(static_cast<size_t>(s))};
}

template <class Status, size_t N>
std::optional<Status> status_of(const std::array<std::string_view, N>& words, std::string_view text) {
  auto it = std::find(words.begin(), words.end(), text);
  if (it == words.end())
    return std::nullopt;
  return static_cast<Status>(it - words.begin());
}

}  // namespace

std::string to_string(order_status s) { return word_of(order_words, s); }
std::string to_string(payment_status s) { return word_of(payment_words, s); }
std::string to_string(charge_status s) { return word_of(charge_words, s); }
std::string to_string(refund_attempt s) { return word_of(refund_words, s); }
std::string to_string(shipment_status s) { return word_of(shipment_words, s); }

template <> std::optional<order_status> parse<order_status>(std::string_view text) {
  return status_of<order_status>(order_words, text);
}
template <> std::optional<payment_status> parse<payment_status>(std::string_view text) {
  return status_of<payment_status>(payment_words, text);
}
template <> std::optional<charge_status> parse<charge_status>(std::string_view text) {
  return status_of<charge_status>(charge_words, text);
}
template <> std::optional<refund_attempt> parse<refund_attempt>(std::string_view text) {
  return status_of<refund_attempt>(refund_words, text);
}
template <> std::optional<shipment_status> parse<shipment_status>(std::string_view text) {
  return status_of<shipment_status>(shipment_words, text);
}

std::optional<order_status> next_step(order_status from) {
  switch (from) {
    case order_status::pending: return order_status::confirmed;
    case order_status::confirmed: return order_status::processing;
    case order_status::processing: return order_status::shipped;
    case order_status::shipped: return order_status::delivered;
    case order_status::delivered:
    case order_status::cancelled:
    case order_status::refunded: return std::nullopt;
  }
  return std::nullopt;
}

bool can_cancel(order_status from) { return from == order_status::pending; }

bool can_refund(order_status from) {
  switch (from) {
    case order_status::confirmed:
    case order_status::processing:
    case order_status::shipped:
    case order_status::delivered: return true;
    case order_status::pending:
    case order_status::cancelled:
    case order_status::refunded: return false;
  }
  return false;
}

bool can_move(order_status from, order_status to) {
  if (to == order_status::cancelled)
    return can_cancel(from);
  if (to == order_status::refunded)
    return can_refund(from);
  return next_step(from) == to;
}

bool releases_stock(order_status from, order_status to) {
  return from == order_status::pending && to == order_status::cancelled;
}

bool requires_unpaid(order_status to) { return to == order_status::cancelled; }

bool can_ship(order_status s) { return s != order_status::cancelled && s != order_status::refunded; }

bool can_process(order_status s) { return s == order_status::pending || s == order_status::confirmed; }

bool is_paid(payment_status p) {
  return p == payment_status::paid || p == payment_status::partially_refunded || p == payment_status::refunded;
}

bool accepts_charge(order_status s) { return s == order_status::pending || s == order_status::confirmed; }

charge_status charge_after(charge_outcome outcome) {
  switch (outcome) {
    case charge_outcome::succeeded: return charge_status::succeeded;
    case charge_outcome::pending: return charge_status::pending;
    case charge_outcome::unknown: return charge_status::unknown;
    case charge_outcome::failed: return charge_status::failed;
  }
  return charge_status::failed;
}

bool keeps_resend_token(charge_status s) { return s == charge_status::unknown; }

charge_settlement after_charge(order_state now, charge_outcome outcome) {
  charge_settlement out;
  switch (outcome) {
    case charge_outcome::succeeded:
      if (now.status == order_status::cancelled)
        out.refund_at_once = true;
      else
        out.order = order_state{now.status == order_status::pending ? order_status::confirmed : now.status,
                                payment_status::paid};
      break;
    case charge_outcome::pending:
    case charge_outcome::failed:
      // Only while nothing settled it: a late answer never undoes a success or a refund.
      if (now.payment == payment_status::unpaid || now.payment == payment_status::pending)
        out.order = order_state{now.status, outcome == charge_outcome::pending ? payment_status::pending
                                                                               : payment_status::unpaid};
      break;
    case charge_outcome::unknown: break;  // the order keeps awaiting it
  }
  return out;
}

charge_status as_reported(charge_status s) {
  return s == charge_status::processing || s == charge_status::unknown ? charge_status::pending : s;
}

bool accepts_refund(payment_status p) {
  return p == payment_status::paid || p == payment_status::partially_refunded;
}

order_state after_refund(order_state now, bool nothing_left) {
  if (!nothing_left)
    return {now.status, payment_status::partially_refunded};
  return {now.status == order_status::cancelled ? now.status : order_status::refunded, payment_status::refunded};
}

std::string refund_as_reported(const std::string& status) {
  return parse<refund_attempt>(status) ? to_string(charge_status::pending) : status;
}

}  // namespace commerce::domain
