#include "persistence/payment_repository.hpp"

namespace commerce::persistence {

namespace {

constexpr const char* payment_columns =
  "p.id, p.order_id, o.user_id, p.status, p.amount_minor, p.currency, p.payment_method, p.provider, "
  "p.provider_payment_id, p.confirmation_url, p.idempotence_key::text, "
  "api_time(p.created_at)";

payment_record read_payment(const pg::result& r, int row = 0) {
  payment_record p;
  p.id = r.int64(row, 0);
  p.order_id = r.int64(row, 1);
  p.user_id = r.int64(row, 2);
  p.status = r.str(row, 3);
  p.amount_minor = r.int64(row, 4);
  p.currency = r.str(row, 5);
  p.payment_method = r.str(row, 6);
  p.provider = r.str(row, 7);
  p.provider_payment_id = r.opt_str(row, 8);
  p.confirmation_url = r.opt_str(row, 9);
  p.idempotence_key = r.str(row, 10);
  p.created_at = r.str(row, 11);
  return p;
}

payment_record load_payment(pg::transaction& tx, int64_t id) {
  return read_payment(tx.exec(std::string{"SELECT "} + payment_columns +
                                " FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.id = $1::bigint",
                              {pg::to_param(id)}));
}

notification_record read_notification(const pg::result& r, int row) {
  return notification_record{r.int64(row, 0), r.int64(row, 1), r.str(row, 2), r.str(row, 3),
                             r.str(row, 4),   r.str(row, 5),   r.str(row, 6), r.str(row, 7)};
}

constexpr const char* notification_columns =
  "id, order_id, type, provider, notification_type, status, recipient, "
  "api_time(created_at)";

constexpr const char* refund_columns =
  "r.id, r.order_id, r.payment_id, r.amount_minor, r.currency, r.status, r.reason, r.idempotence_key::text, "
  "api_time(r.created_at)";

refund_record read_refund(const pg::result& r, int row = 0) {
  return refund_record{r.int64(row, 0), r.int64(row, 1), r.int64(row, 2), r.int64(row, 3), r.str(row, 4),
                       r.str(row, 5),   r.str(row, 6),   r.str(row, 7),   r.str(row, 8)};
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
  auto status = order.str(0, 0), payment_status = order.str(0, 1);
  if (payment_status == "paid" || payment_status == "partially_refunded" || payment_status == "refunded") {
    out.outcome = begin_outcome::already_paid;
    return out;
  }
  if (status != "pending" && status != "confirmed") {
    out.outcome = begin_outcome::invalid_state;
    return out;
  }
  pg::result created{nullptr};
  try {
    created = tx.exec("INSERT INTO payments (order_id, status, amount_minor, currency, payment_method, provider, "
                      "two_step, resend_token, return_url, client_ip, in_flight_until) "
                      "VALUES ($1::bigint, 'processing', $2::bigint, $3, $4, $5, $6::boolean, NULLIF($7, ''), "
                      "NULLIF($8, ''), NULLIF($9, ''), " + in_flight_until(10) + ") RETURNING id",
                      {pg::to_param(order_id), order.str(0, 2), order.str(0, 3), attempt.payment_method,
                       attempt.provider, pg::to_param(attempt.two_step), attempt.payment_token, attempt.return_url,
                       attempt.client_ip, std::to_string(attempt.in_flight_ms)});
  } catch (const pg::error& e) {
    if (!e.unique_violation())
      throw;
    out.outcome = begin_outcome::in_progress;  // another charge is in flight or unknown (any node)
    return out;
  }
  // From here on the reservation sweep leaves the order alone (it only expires 'unpaid').
  tx.exec("UPDATE orders SET payment_status = 'pending', version = version + 1, updated_at = now() "
          "WHERE id = $1::bigint",
          {pg::to_param(order_id)});
  out.payment = load_payment(tx, created.int64(0, 0));
  tx.commit();
  return out;
}

std::optional<finish_result> finish_charge(pg::connection& c, int64_t payment_id, charge_outcome outcome,
                            const std::string& provider_payment_id, const std::string& confirmation_url,
                            const std::string& failure, int64_t refund_in_flight_ms) {
  pg::transaction tx{c};
  const char* status = outcome == charge_outcome::succeeded ? "succeeded"
                       : outcome == charge_outcome::pending ? "pending"
                       : outcome == charge_outcome::unknown ? "unknown"
                                                            : "failed";
  // The order first (its row lock orders us with cancels and refunds on every node).
  auto order = tx.exec("SELECT o.id, o.status FROM orders o JOIN payments p ON p.order_id = o.id "
                       "WHERE p.id = $1::bigint FOR UPDATE OF o",
                       {pg::to_param(payment_id)});
  if (order.empty())
    return std::nullopt;
  auto order_id = order.int64(0, 0);
  // Settled (not unknown): the token it could be sent again with is no longer kept.
  auto moved = tx.exec("UPDATE payments SET status = $2, provider_payment_id = COALESCE(NULLIF($3, ''), provider_payment_id), "
                       "confirmation_url = COALESCE(NULLIF($4, ''), confirmation_url), failure = NULLIF($5, ''), "
                       "resend_token = CASE WHEN $2 = 'unknown' THEN resend_token END, updated_at = now() "
                       "WHERE id = $1::bigint AND status IN ('processing', 'unknown', 'pending') "
                       "RETURNING amount_minor, currency, provider_payment_id",
                       {pg::to_param(payment_id), std::string{status}, provider_payment_id, confirmation_url, failure});
  if (moved.empty())
    return std::nullopt;
  finish_result out;
  if (outcome == charge_outcome::succeeded && order.str(0, 1) == "cancelled") {
    // Cancelled while the charge was at the provider: the money goes back at once.
    auto refund = tx.exec(std::string{"INSERT INTO refunds AS r (order_id, payment_id, amount_minor, currency, status, "
                                      "reason, in_flight_until) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, "
                                      "'processing', 'the order was cancelled before the charge settled', "} +
                            in_flight_until(5) + ") RETURNING " + refund_columns,
                          {pg::to_param(order_id), pg::to_param(payment_id), moved.str(0, 0), moved.str(0, 1),
                           std::to_string(refund_in_flight_ms)});
    tx.exec("UPDATE orders SET refunded_minor = refunded_minor + $2::bigint, version = version + 1, updated_at = now() "
            "WHERE id = $1::bigint",
            {pg::to_param(order_id), moved.str(0, 0)});
    out.cancellation_refund = refund_begin_result{refund_begin_outcome::started, read_refund(refund),
                                                  moved.opt_str(0, 2).value_or("")};
  } else if (outcome == charge_outcome::succeeded) {
    tx.exec("UPDATE orders SET payment_status = 'paid', payment_processed = true, "
            "status = CASE WHEN status = 'pending' THEN 'confirmed' ELSE status END, "
            "version = version + 1, updated_at = now() WHERE id = $1::bigint",
            {pg::to_param(order_id)});
  } else if (outcome != charge_outcome::unknown) {  // unknown: the order keeps awaiting it
    tx.exec("UPDATE orders SET payment_status = $2, version = version + 1, updated_at = now() "
            "WHERE id = $1::bigint AND payment_status IN ('unpaid', 'pending')",
            {pg::to_param(order_id), std::string{outcome == charge_outcome::pending ? "pending" : "unpaid"}});
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
  if (order.empty() || (order.str(0, 0) != "paid" && order.str(0, 0) != "partially_refunded")) {
    out.outcome = refund_begin_outcome::invalid_state;
    return out;
  }
  auto payment = tx.exec("SELECT id, amount_minor, provider_payment_id FROM payments "
                         "WHERE order_id = $1::bigint AND status = 'succeeded'",
                         {pg::to_param(order_id)});
  if (payment.empty()) {
    out.outcome = refund_begin_outcome::invalid_state;
    return out;
  }
  int64_t refundable = payment.int64(0, 1) - order.int64(0, 2);
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
                                     "'processing', $5, "} +
                           in_flight_until(6) + ") RETURNING " + refund_columns,
                         {pg::to_param(order_id), payment.str(0, 0), std::to_string(amount), order.str(0, 3), reason,
                          std::to_string(in_flight_ms)});
  tx.exec("UPDATE orders SET refunded_minor = refunded_minor + $2::bigint, updated_at = now() WHERE id = $1::bigint",
          {pg::to_param(order_id), std::to_string(amount)});
  out.refund = read_refund(created);
  out.provider_payment_id = payment.opt_str(0, 2).value_or("");
  tx.commit();
  return out;
}

std::optional<refund_finish_result> finish_refund(pg::connection& c, int64_t refund_id, refund_outcome outcome,
                                                  const std::string& status, const std::string& provider_refund_id) {
  pg::transaction tx{c};
  if (outcome == refund_outcome::unknown) {  // the reservation stays until it is settled
    tx.exec("UPDATE refunds SET status = 'unknown' WHERE id = $1::bigint AND status IN ('processing', 'unknown')",
            {pg::to_param(refund_id)});
    tx.commit();
    return std::nullopt;
  }
  if (outcome == refund_outcome::refused) {
    auto undone = tx.exec("DELETE FROM refunds WHERE id = $1::bigint AND status IN ('processing', 'unknown') "
                          "RETURNING order_id, amount_minor",
                          {pg::to_param(refund_id)});
    if (!undone.empty())
      tx.exec("UPDATE orders SET refunded_minor = refunded_minor - $2::bigint, updated_at = now() WHERE id = $1::bigint",
              {undone.str(0, 0), undone.str(0, 1)});
    tx.commit();
    return std::nullopt;
  }
  auto r = tx.exec(std::string{"UPDATE refunds AS r SET status = $2, provider_refund_id = NULLIF($3, '') "
                               "WHERE id = $1::bigint AND status IN ('processing', 'unknown') RETURNING "} +
                     refund_columns,
                   {pg::to_param(refund_id), status, provider_refund_id});
  if (r.empty()) {  // settled before (another node): report it as it stands
    tx.commit();
    auto settled = find_refund(c, refund_id);
    if (!settled)
      return std::nullopt;
    return refund_finish_result{*settled, *find_order(c, settled->order_id)};
  }
  auto refund = read_refund(r);
  // A cancelled order stays cancelled: its charge landed late and went back.
  tx.exec("UPDATE orders SET "
          "payment_status = CASE WHEN refunded_minor >= total_minor THEN 'refunded' ELSE 'partially_refunded' END, "
          "status = CASE WHEN refunded_minor >= total_minor AND status <> 'cancelled' THEN 'refunded' ELSE status END, "
          "version = version + 1, updated_at = now() WHERE id = $1::bigint",
          {pg::to_param(refund.order_id)});
  tx.commit();
  return refund_finish_result{refund, *find_order(c, refund.order_id)};
}

unsettled_attempts unsettled_attempts_of(pg::connection& c, int64_t order_id) {
  unsettled_attempts out;
  auto charge = c.exec(std::string{"SELECT "} + payment_columns +
                         ", p.two_step, p.resend_token, p.return_url, p.client_ip, "
                         "p.status = 'processing' AND p.in_flight_until > now() "
                         "FROM payments p JOIN orders o ON o.id = p.order_id "
                         "WHERE p.order_id = $1::bigint AND p.status IN ('processing', 'unknown')",
                       {pg::to_param(order_id)});
  if (!charge.empty()) {
    if (charge.str(0, 16) == "t") {
      out.charge_in_flight = true;
    } else {
      out.charge = unsettled_charge{read_payment(charge), charge.str(0, 12) == "t", charge.opt_str(0, 13).value_or(""),
                                    charge.opt_str(0, 14).value_or(""), charge.opt_str(0, 15).value_or("")};
    }
  }
  auto refunds = c.exec(std::string{"SELECT "} + refund_columns +
                          ", COALESCE(p.provider_payment_id, '') FROM refunds r JOIN payments p ON p.id = r.payment_id "
                          "WHERE r.order_id = $1::bigint AND (r.status = 'unknown' OR "
                          "(r.status = 'processing' AND r.in_flight_until <= now())) ORDER BY r.id",
                        {pg::to_param(order_id)});
  for (int i = 0; i < refunds.rows(); ++i)
    out.refunds.push_back({refund_begin_outcome::started, read_refund(refunds, i), refunds.str(i, 9)});
  return out;
}

std::vector<int64_t> orders_with_unsettled_attempts(pg::connection& c, int64_t limit) {
  auto r = c.exec("SELECT order_id FROM ("
                  "  SELECT order_id, updated_at AS since FROM payments WHERE status = 'unknown' OR "
                  "    (status = 'processing' AND in_flight_until <= now()) "
                  "  UNION ALL SELECT order_id, created_at FROM refunds WHERE status = 'unknown' OR "
                  "    (status = 'processing' AND in_flight_until <= now())"
                  ") unsettled GROUP BY order_id ORDER BY min(since) LIMIT $1::bigint",
                  {std::to_string(limit)});
  std::vector<int64_t> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.int64(i, 0));
  return out;
}

std::optional<payment_record> pending_payment_of(pg::connection& c, int64_t order_id) {
  auto r = c.exec(std::string{"SELECT "} + payment_columns +
                    " FROM payments p JOIN orders o ON o.id = p.order_id "
                    "WHERE p.order_id = $1::bigint AND p.status = 'pending' AND p.provider_payment_id IS NOT NULL "
                    "ORDER BY p.id DESC LIMIT 1",
                  {pg::to_param(order_id)});
  if (r.empty())
    return std::nullopt;
  return read_payment(r);
}

std::optional<int64_t> order_of_pending_payment(pg::connection& c, const std::string& provider,
                                                const std::string& provider_payment_id) {
  auto r = c.exec("SELECT order_id FROM payments WHERE provider = $1 AND provider_payment_id = $2 AND status = 'pending' "
                  "ORDER BY id DESC LIMIT 1",
                  {provider, provider_payment_id});
  if (r.empty())
    return std::nullopt;
  return r.int64(0, 0);
}

std::vector<int64_t> mark_abandoned_attempts_unknown(pg::connection& c) {
  pg::transaction tx{c};
  auto r = tx.exec("WITH charges AS ("
                   "  UPDATE payments SET status = 'unknown', updated_at = now(), "
                   "  failure = 'abandoned: the server stopped during the gateway call' "
                   "  WHERE status = 'processing' AND in_flight_until <= now() RETURNING order_id), "
                   "refunds AS (UPDATE refunds SET status = 'unknown' "
                   "  WHERE status = 'processing' AND in_flight_until <= now() RETURNING order_id) "
                   "SELECT order_id FROM charges UNION SELECT order_id FROM refunds");
  tx.commit();
  std::vector<int64_t> ids;
  for (int i = 0; i < r.rows(); ++i)
    ids.push_back(r.int64(i, 0));
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
  return owner_contact{r.int64(0, 0), r.str(0, 1), r.opt_str(0, 2)};
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
