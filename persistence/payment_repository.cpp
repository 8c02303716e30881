#include "persistence/payment_repository.hpp"

#include "persistence/status_text.hpp"

namespace commerce::persistence {

namespace {

using domain::charge_status;
using domain::order_status;
using domain::payment_status;
using domain::refund_attempt;

constexpr const char* payment_columns =
  "p.id, p.order_id, o.user_id, p.status, p.amount_minor, p.currency, p.payment_method, p.provider, "
  "p.provider_payment_id, p.confirmation_url, p.idempotence_key::text, "
  "api_time(p.created_at)";

/// The payment_columns of a row; `in` then stands after them.
payment_record read_payment(pg::row_reader& in) {
  payment_record p;
  p.id = in.int64();
  p.order_id = in.int64();
  p.user_id = in.int64();
  p.status = read_status<charge_status>(in);
  p.amount_minor = in.int64();
  p.currency = in.str();
  p.payment_method = in.str();
  p.provider = in.str();
  p.provider_payment_id = in.opt_str();
  p.confirmation_url = in.opt_str();
  p.idempotence_key = in.str();
  p.created_at = in.str();
  return p;
}

payment_record read_payment(const pg::result& r) {
  auto in = r.row(0);
  return read_payment(in);
}

payment_record load_payment(pg::transaction& tx, int64_t id) {
  return read_payment(tx.exec(std::string{"SELECT "} + payment_columns +
                                " FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1::bigint",
                              {pg::to_param(id)}));
}

notification_record read_notification(const pg::result& r, int row) {
  auto in = r.row(row);
  return notification_record{in.int64(), in.int64(), in.str(), in.str(), in.str(), in.str(), in.str(), in.str()};
}

constexpr const char* notification_columns =
  "id, order_id, type, provider, notification_type, status, recipient, "
  "api_time(created_at)";

constexpr const char* refund_columns =
  "r.id, r.order_id, r.payment_id, r.amount_minor, r.currency, r.status, r.reason, r.idempotence_key::text, "
  "api_time(r.created_at)";

/// The refund_columns of a row; `in` then stands after them.
refund_record read_refund(pg::row_reader& in) {
  return refund_record{in.int64(), in.int64(), in.int64(), in.int64(), in.str(),
                       in.str(),   in.str(),   in.str(),   in.str()};
}

refund_record read_refund(const pg::result& r) {
  auto in = r.row(0);
  return read_refund(in);
}

/// The order's status and payment state, read in that order.
domain::order_state read_order_state(pg::row_reader& in) {
  auto status = read_status<order_status>(in);
  return {status, read_status<payment_status>(in)};
}

/// now() + ms, as SQL over parameter $n.
std::string in_flight_until(int n) {
  return "now() + make_interval(secs => $" + std::to_string(n) + "::double precision / 1000)";
}

}  // namespace

begin_result begin_charge(pg::connection& c, int64_t order_id, const charge_attempt& attempt) {
  begin_result out;
  pg::transaction tx{c};
  auto order = tx.exec("SELECT status, payment_status, total_minor, currency FROM orders WHERE id = $1::bigint FOR UPDATE",
                       {pg::to_param(order_id)});
  if (order.empty()) {
    out.outcome = begin_outcome::invalid_state;
    return out;
  }
  auto in = order.row(0);
  auto now = read_order_state(in);
  auto total = in.str(), currency = in.str();
  if (domain::is_paid(now.payment)) {
    out.outcome = begin_outcome::already_paid;
    return out;
  }
  if (!domain::accepts_charge(now.status)) {
    out.outcome = begin_outcome::invalid_state;
    return out;
  }
  pg::result created{nullptr};
  try {
    created = tx.exec("INSERT INTO payments (order_id, status, amount_minor, currency, payment_method, provider, "
                      "two_step, resend_token, return_url, client_ip, in_flight_until) "
                      "VALUES ($1::bigint, $11, $2::bigint, $3, $4, $5, $6::boolean, NULLIF($7, ''), "
                      "NULLIF($8, ''), NULLIF($9, ''), " + in_flight_until(10) + ") RETURNING id",
                      {pg::to_param(order_id), total, currency, attempt.payment_method,
                       attempt.provider, pg::to_param(attempt.two_step), attempt.payment_token, attempt.return_url,
                       attempt.client_ip, std::to_string(attempt.in_flight_ms), to_string(domain::charge_started)});
  } catch (const pg::error& e) {
    if (!e.unique_violation())
      throw;
    out.outcome = begin_outcome::in_progress;  // another charge is in flight or unknown (any node)
    return out;
  }
  // From here on the reservation sweep leaves the order alone (it only expires 'unpaid').
  tx.exec("UPDATE orders SET payment_status = $2, version = version + 1, updated_at = now() "
          "WHERE id = $1::bigint",
          {pg::to_param(order_id), to_string(domain::payment_while_charging)});
  out.payment = load_payment(tx, created.row(0).int64());
  tx.commit();
  return out;
}

std::optional<finish_result> finish_charge(pg::connection& c, int64_t payment_id, charge_outcome outcome,
                            const std::string& provider_payment_id, const std::string& confirmation_url,
                            const std::string& failure, int64_t refund_in_flight_ms) {
  pg::transaction tx{c};
  auto status = domain::charge_after(outcome);
  // The order first (its row lock orders us with cancels and refunds on every node).
  auto order = tx.exec("SELECT o.id, o.status, o.payment_status FROM orders o JOIN payments p ON p.order_id = o.id "
                       "WHERE p.id = $1::bigint FOR UPDATE OF o",
                       {pg::to_param(payment_id)});
  if (order.empty())
    return std::nullopt;
  auto in = order.row(0);
  auto order_id = in.int64();
  auto now = read_order_state(in);
  // Settled (not unknown): the token it could be sent again with is no longer kept.
  auto moved = tx.exec("UPDATE payments SET status = $2, provider_payment_id = COALESCE(NULLIF($3, ''), provider_payment_id), "
                       "confirmation_url = COALESCE(NULLIF($4, ''), confirmation_url), failure = NULLIF($5, ''), "
                       "resend_token = CASE WHEN $6::boolean THEN resend_token END, updated_at = now() "
                       "WHERE id = $1::bigint AND status = ANY($7::text[]) "
                       "RETURNING amount_minor, currency, provider_payment_id",
                       {pg::to_param(payment_id), to_string(status), provider_payment_id, confirmation_url, failure,
                        pg::to_param(domain::keeps_resend_token(status)), status_array(domain::settleable_charges)});
  if (moved.empty())
    return std::nullopt;
  auto charged = moved.row(0);
  auto amount = charged.str(), currency = charged.str();
  auto charged_provider_id = charged.opt_str();
  finish_result out;
  auto settlement = domain::after_charge(now, outcome);
  if (settlement.refund_at_once) {
    // Cancelled while the charge was at the provider: the money goes back at once.
    auto refund = tx.exec(std::string{"INSERT INTO refunds AS r (order_id, payment_id, amount_minor, currency, status, "
                                      "reason, in_flight_until) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, "
                                      "$6, 'the order was cancelled before the charge settled', "} +
                            in_flight_until(5) + ") RETURNING " + refund_columns,
                          {pg::to_param(order_id), pg::to_param(payment_id), amount, currency,
                           std::to_string(refund_in_flight_ms), to_string(refund_attempt::processing)});
    tx.exec("UPDATE orders SET refunded_minor = refunded_minor + $2::bigint, version = version + 1, updated_at = now() "
            "WHERE id = $1::bigint",
            {pg::to_param(order_id), amount});
    out.cancellation_refund = refund_begin_result{refund_begin_outcome::started, read_refund(refund),
                                                  charged_provider_id.value_or("")};
  } else if (settlement.order) {  // nullopt: the order keeps awaiting it, or was settled already
    // Guarded by the state it was read in (under the row lock, so it holds).
    tx.exec("UPDATE orders SET status = $4, payment_status = $5, "
            "payment_processed = payment_processed OR $6::boolean, version = version + 1, updated_at = now() "
            "WHERE id = $1::bigint AND status = $2 AND payment_status = $3",
            {pg::to_param(order_id), to_string(now.status), to_string(now.payment), to_string(settlement.order->status),
             to_string(settlement.order->payment), pg::to_param(outcome == charge_outcome::succeeded)});
  }
  out.payment = load_payment(tx, payment_id);
  tx.commit();
  out.order = *find_order(c, order_id);
  return std::optional<finish_result>{std::move(out)};
}

refund_begin_result begin_refund(pg::connection& c, int64_t order_id, std::optional<int64_t> amount_minor,
                                 const std::string& reason, int64_t in_flight_ms) {
  refund_begin_result out;
  pg::transaction tx{c};
  auto order = tx.exec("SELECT payment_status, total_minor, refunded_minor, currency FROM orders "
                       "WHERE id = $1::bigint FOR UPDATE",
                       {pg::to_param(order_id)});
  if (order.empty()) {
    out.outcome = refund_begin_outcome::invalid_state;
    return out;
  }
  auto in = order.row(0);
  auto paid = read_status<payment_status>(in);
  in.int64();  // total_minor
  auto refunded = in.int64();
  auto currency = in.str();
  if (!domain::accepts_refund(paid)) {
    out.outcome = refund_begin_outcome::invalid_state;
    return out;
  }
  auto payment = tx.exec("SELECT id, amount_minor, provider_payment_id FROM payments "
                         "WHERE order_id = $1::bigint AND status = $2",
                         {pg::to_param(order_id), to_string(domain::refundable_charge)});
  if (payment.empty()) {
    out.outcome = refund_begin_outcome::invalid_state;
    return out;
  }
  auto charge = payment.row(0);
  auto charge_id = charge.str();
  int64_t refundable = charge.int64() - refunded;
  auto charge_provider_id = charge.opt_str();
  int64_t amount = amount_minor.value_or(refundable);
  if (amount <= 0) {
    out.outcome = amount_minor ? refund_begin_outcome::not_positive : refund_begin_outcome::invalid_state;
    return out;
  }
  if (amount > refundable) {
    out.outcome = refund_begin_outcome::exceeds_paid;
    return out;
  }
  auto created = tx.exec(std::string{"INSERT INTO refunds AS r (order_id, payment_id, amount_minor, currency, status, "
                                     "reason, in_flight_until) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, "
                                     "$7, $5, "} +
                           in_flight_until(6) + ") RETURNING " + refund_columns,
                         {pg::to_param(order_id), charge_id, std::to_string(amount), currency, reason,
                          std::to_string(in_flight_ms), to_string(refund_attempt::processing)});
  tx.exec("UPDATE orders SET refunded_minor = refunded_minor + $2::bigint, updated_at = now() WHERE id = $1::bigint",
          {pg::to_param(order_id), std::to_string(amount)});
  out.refund = read_refund(created);
  out.provider_payment_id = charge_provider_id.value_or("");
  tx.commit();
  return out;
}

std::optional<refund_finish_result> finish_refund(pg::connection& c, int64_t refund_id, refund_outcome outcome,
                                                  const std::string& status, const std::string& provider_refund_id) {
  pg::transaction tx{c};
  const auto unsettled = status_array(domain::unsettled_refunds);
  if (outcome == refund_outcome::unknown) {  // the reservation stays until it is settled
    tx.exec("UPDATE refunds SET status = $2 WHERE id = $1::bigint AND status = ANY($3::text[])",
            {pg::to_param(refund_id), to_string(refund_attempt::unknown), unsettled});
    tx.commit();
    return std::nullopt;
  }
  if (outcome == refund_outcome::refused) {
    auto undone = tx.exec("DELETE FROM refunds WHERE id = $1::bigint AND status = ANY($2::text[]) "
                          "RETURNING order_id, amount_minor",
                          {pg::to_param(refund_id), unsettled});
    if (!undone.empty()) {
      auto in = undone.row(0);
      auto order_id = in.str();
      tx.exec("UPDATE orders SET refunded_minor = refunded_minor - $2::bigint, updated_at = now() WHERE id = $1::bigint",
              {order_id, in.str()});
    }
    tx.commit();
    return std::nullopt;
  }
  auto r = tx.exec(std::string{"UPDATE refunds AS r SET status = $2, provider_refund_id = NULLIF($3, '') "
                               "WHERE id = $1::bigint AND status = ANY($4::text[]) RETURNING "} +
                     refund_columns,
                   {pg::to_param(refund_id), status, provider_refund_id, unsettled});
  if (r.empty()) {  // settled before (another node): report it as it stands
    tx.commit();
    auto settled = find_refund(c, refund_id);
    if (!settled)
      return std::nullopt;
    return refund_finish_result{*settled, *find_order(c, settled->order_id)};
  }
  auto refund = read_refund(r);
  auto order = tx.exec("SELECT status, payment_status, refunded_minor >= total_minor FROM orders "
                       "WHERE id = $1::bigint FOR UPDATE",
                       {pg::to_param(refund.order_id)});
  auto in = order.row(0);
  auto now = read_order_state(in);
  auto after = domain::after_refund(now, in.boolean());
  // Guarded by the state it was read in (under the row lock, so it holds).
  tx.exec("UPDATE orders SET status = $4, payment_status = $5, version = version + 1, updated_at = now() "
          "WHERE id = $1::bigint AND status = $2 AND payment_status = $3",
          {pg::to_param(refund.order_id), to_string(now.status), to_string(now.payment), to_string(after.status),
           to_string(after.payment)});
  tx.commit();
  return refund_finish_result{refund, *find_order(c, refund.order_id)};
}

unsettled_attempts unsettled_attempts_of(pg::connection& c, int64_t order_id) {
  unsettled_attempts out;
  auto charge = c.exec(std::string{"SELECT "} + payment_columns +
                         ", p.two_step, p.resend_token, p.return_url, p.client_ip, "
                         "p.status = $2 AND p.in_flight_until > now() "
                         "FROM payments p JOIN orders o ON o.id = p.order_id "
                         "WHERE p.order_id = $1::bigint AND p.status = ANY($3::text[])",
                       {pg::to_param(order_id), to_string(charge_status::processing), status_array(domain::unsettled_charges)});
  if (!charge.empty()) {
    auto in = charge.row(0);
    auto payment = read_payment(in);
    auto two_step = in.boolean();
    auto token = in.opt_str(), return_url = in.opt_str(), client_ip = in.opt_str();
    if (in.boolean()) {
      out.charge_in_flight = true;
    } else {
      out.charge = unsettled_charge{std::move(payment), two_step, token.value_or(""), return_url.value_or(""),
                                    client_ip.value_or("")};
    }
  }
  // Refunds whose answer never came: unknown, or processing past their call (their node died).
  auto refunds = c.exec(std::string{"SELECT "} + refund_columns +
                          ", COALESCE(p.provider_payment_id, '') FROM refunds r JOIN payments p ON p.id = r.payment_id "
                          "WHERE r.order_id = $1::bigint AND (r.status = $3 OR "
                          "(r.status = $2 AND r.in_flight_until <= now())) ORDER BY r.id",
                        {pg::to_param(order_id), to_string(refund_attempt::processing), to_string(refund_attempt::unknown)});
  for (int i = 0; i < refunds.rows(); ++i) {
    auto in = refunds.row(i);
    auto refund = read_refund(in);
    out.refunds.push_back({refund_begin_outcome::started, std::move(refund), in.str()});
  }
  return out;
}

std::vector<int64_t> orders_with_unsettled_attempts(pg::connection& c, int64_t limit, int64_t min_age_seconds) {
  auto r = c.exec("SELECT order_id FROM ("
                  "  SELECT order_id, updated_at AS since FROM payments WHERE status = $3 OR "
                  "    (status = $2 AND in_flight_until <= now()) "
                  "  UNION ALL SELECT order_id, created_at FROM refunds WHERE status = $5 OR "
                  "    (status = $4 AND in_flight_until <= now())"
                  ") unsettled GROUP BY order_id HAVING min(since) <= now() - make_interval(secs => $6::bigint) "
                  "ORDER BY min(since) LIMIT $1::bigint",
                  {std::to_string(limit), to_string(charge_status::processing), to_string(charge_status::unknown),
                   to_string(refund_attempt::processing), to_string(refund_attempt::unknown),
                   std::to_string(min_age_seconds)});
  std::vector<int64_t> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.row(i).int64());
  return out;
}

std::optional<payment_record> pending_payment_of(pg::connection& c, int64_t order_id) {
  auto r = c.exec(std::string{"SELECT "} + payment_columns +
                    " FROM payments p JOIN orders o ON o.id = p.order_id "
                    "WHERE p.order_id = $1::bigint AND p.status = $2 AND p.provider_payment_id IS NOT NULL "
                    "ORDER BY p.id DESC LIMIT 1",
                  {pg::to_param(order_id), to_string(domain::awaiting_provider)});
  if (r.empty())
    return std::nullopt;
  return read_payment(r);
}

std::optional<int64_t> order_of_pending_payment(pg::connection& c, const std::string& provider,
                                                const std::string& provider_payment_id) {
  auto r = c.exec("SELECT order_id FROM payments WHERE provider = $1 AND provider_payment_id = $2 AND status = $3 "
                  "ORDER BY id DESC LIMIT 1",
                  {provider, provider_payment_id, to_string(domain::awaiting_provider)});
  if (r.empty())
    return std::nullopt;
  return r.row(0).int64();
}

std::vector<int64_t> mark_abandoned_attempts_unknown(pg::connection& c) {
  pg::transaction tx{c};
  auto r = tx.exec("WITH charges AS ("
                   "  UPDATE payments SET status = $2, updated_at = now(), "
                   "  failure = 'abandoned: the server stopped during the gateway call' "
                   "  WHERE status = $1 AND in_flight_until <= now() RETURNING order_id), "
                   "refunds AS (UPDATE refunds SET status = $4 "
                   "  WHERE status = $3 AND in_flight_until <= now() RETURNING order_id) "
                   "SELECT order_id FROM charges UNION SELECT order_id FROM refunds",
                   {to_string(charge_status::processing), to_string(charge_status::unknown),
                    to_string(refund_attempt::processing), to_string(refund_attempt::unknown)});
  tx.commit();
  std::vector<int64_t> ids;
  for (int i = 0; i < r.rows(); ++i)
    ids.push_back(r.row(i).int64());
  return ids;
}

std::optional<refund_record> find_refund(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + refund_columns + " FROM refunds r WHERE r.id = $1::bigint", {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  return read_refund(r);
}

std::optional<payment_record> find_payment(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + payment_columns +
                    " FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1::bigint",
                  {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  return read_payment(r);
}

notification_record record_notification(pg::connection& c, const notification_record& n, int64_t user_id) {
  auto r = c.exec(std::string{"INSERT INTO notifications (order_id, user_id, type, provider, notification_type, status, "
                              "recipient) VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6, $7) RETURNING "} +
                    notification_columns,
                  {pg::to_param(n.order_id), pg::to_param(user_id), n.type, n.provider, n.notification_type, n.status,
                   n.recipient});
  return read_notification(r, 0);
}

notification_record claim_task_notification(pg::connection& c, const std::string& task_id,
                                             const notification_record& n, int64_t user_id) {
  auto claimed = c.exec(std::string{"INSERT INTO notifications (order_id, user_id, type, provider, notification_type, "
                                    "status, recipient, task_id) VALUES ($1::bigint, $2::bigint, $3, $4, $5, 'failed', "
                                    "$6, $7::uuid) ON CONFLICT (task_id, type) WHERE task_id IS NOT NULL DO NOTHING "
                                    "RETURNING "} +
                          notification_columns,
                        {pg::to_param(n.order_id), pg::to_param(user_id), n.type, n.provider, n.notification_type,
                         n.recipient, task_id});
  if (!claimed.empty())
    return read_notification(claimed, 0);
  auto earlier = c.exec(std::string{"SELECT "} + notification_columns +
                          " FROM notifications WHERE task_id = $1::uuid AND type = $2",
                        {task_id, n.type});
  return read_notification(earlier, 0);
}

void mark_notification_sent(pg::connection& c, int64_t id) {
  c.exec("UPDATE notifications SET status = 'sent' WHERE id = $1::bigint", {pg::to_param(id)});
}

std::vector<notification_record> notifications_of_order(pg::connection& c, int64_t order_id) {
  auto r = c.exec(std::string{"SELECT "} + notification_columns + " FROM notifications WHERE order_id = $1::bigint ORDER BY id",
                  {pg::to_param(order_id)});
  std::vector<notification_record> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_notification(r, i));
  return out;
}

std::optional<owner_contact> order_owner_contact(pg::connection& c, int64_t order_id) {
  auto r = c.exec("SELECT u.id, u.email, u.phone FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1::bigint",
                  {pg::to_param(order_id)});
  if (r.empty())
    return std::nullopt;
  auto in = r.row(0);
  return owner_contact{in.int64(), in.str(), in.opt_str()};
}

void record_gateway_call(pg::connection& c, const std::string& provider, const std::string& operation,
                         const std::string& method, const std::string& path, long status, const std::string& failure,
                         int attempts, int64_t latency_ms) {
  c.exec("INSERT INTO gateway_calls (provider, operation, method, path, status, failure, attempts, latency_ms) "
         "VALUES ($1, $2, $3, $4, $5::int, $6, $7::int, $8::int)",
         {provider, operation, method, path, std::to_string(status), failure, std::to_string(attempts),
          std::to_string(latency_ms)});
}

}  // namespace commerce::persistence
