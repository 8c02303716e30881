#include "persistence/beat_repository.hpp"

#include <algorithm>
#include <cctype>

namespace commerce::persistence {

namespace {
/// A slot as Unix seconds: the beat writes whole seconds, and a row edited by hand compares by
/// its whole second too, so the claim's condition always matches what was read.
constexpr const char* next_run_seconds = "floor(extract(epoch FROM next_run_at))::bigint";
}  // namespace

int64_t ensure_beat_entry(pg::connection& c, const std::string& name, const std::string& job_type,
                          const std::string& schedule, int64_t first_slot) {
  // The row is locked by the upsert, so two beats starting together agree on one next slot.
  auto r = c.exec("INSERT INTO beat_schedule (name, job_type, schedule, next_run_at) "
                  "VALUES ($1, $2, $3, to_timestamp($4::bigint)) "
                  "ON CONFLICT (name) DO UPDATE SET job_type = EXCLUDED.job_type, schedule = EXCLUDED.schedule, "
                  "  next_run_at = CASE WHEN beat_schedule.job_type = EXCLUDED.job_type "
                  "                      AND beat_schedule.schedule = EXCLUDED.schedule "
                  "                     THEN beat_schedule.next_run_at ELSE EXCLUDED.next_run_at END, "
                  "  updated_at = now() "
                  "RETURNING " + std::string{next_run_seconds},
                  {name, job_type, schedule, pg::to_param(first_slot)});
  return r.int64(0, 0);
}

std::optional<int64_t> beat_next_run(pg::connection& c, const std::string& name) {
  auto r = c.exec("SELECT " + std::string{next_run_seconds} + " FROM beat_schedule WHERE name = $1", {name});
  if (r.empty())
    return std::nullopt;
  return r.int64(0, 0);
}

bool claim_beat_slot(pg::connection& c, const std::string& name, int64_t slot, int64_t next) {
  auto r = c.exec("UPDATE beat_schedule SET last_run_at = to_timestamp($2::bigint), next_run_at = to_timestamp($3::bigint), "
                  "last_task_id = NULL, updated_at = now() "
                  "WHERE name = $1 AND " + std::string{next_run_seconds} + " = $2::bigint",
                  {name, pg::to_param(slot), pg::to_param(next)});
  return r.affected() == 1;
}

void release_beat_slot(pg::connection& c, const std::string& name, int64_t slot, int64_t next) {
  c.exec("UPDATE beat_schedule SET next_run_at = to_timestamp($2::bigint), updated_at = now() "
         "WHERE name = $1 AND " + std::string{next_run_seconds} + " = $3::bigint",
         {name, pg::to_param(slot), pg::to_param(next)});
}

void record_beat_task(pg::connection& c, const std::string& name, int64_t slot, const std::string& task_id) {
  c.exec("UPDATE beat_schedule SET last_task_id = $3 WHERE name = $1 AND last_run_at = to_timestamp($2::bigint)",
         {name, pg::to_param(slot), task_id});
}

std::vector<int64_t> orders_with_pending_payments(pg::connection& c, int64_t min_age_seconds, int64_t limit) {
  auto r = c.exec("SELECT order_id FROM payments "
                  "WHERE status = 'pending' AND provider_payment_id IS NOT NULL "
                  "  AND updated_at <= now() - make_interval(secs => $1::bigint) "
                  "GROUP BY order_id ORDER BY min(updated_at) LIMIT $2::bigint",
                  {pg::to_param(min_age_seconds), pg::to_param(limit)});
  std::vector<int64_t> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.int64(i, 0));
  return out;
}

bool final_tracking_status(const std::string& status) {
  static const char* finals[] = {"delivered", "returned", "cancelled", "canceled", "not_delivered", "lost", "destroyed"};
  std::string s = status;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return std::any_of(std::begin(finals), std::end(finals), [&](const char* f) { return s == f; });
}

std::vector<shipment_to_track> shipments_to_track(pg::connection& c, const std::string& provider,
                                                  int64_t min_age_seconds, int64_t limit) {
  auto r = c.exec("SELECT id, order_id, COALESCE(provider_shipment_id, ''), COALESCE(tracking_number, '') FROM shipments "
                  "WHERE provider = $1 AND status <> 'creating' "
                  "  AND lower(status) NOT IN ('delivered', 'returned', 'cancelled', 'canceled', 'not_delivered', "
                  "                            'lost', 'destroyed') "
                  "  AND (provider_shipment_id IS NOT NULL OR tracking_number IS NOT NULL) "
                  "  AND (tracking_checked_at IS NULL OR tracking_checked_at <= now() - make_interval(secs => $2::bigint)) "
                  "ORDER BY tracking_checked_at NULLS FIRST, id LIMIT $3::bigint",
                  {provider, pg::to_param(min_age_seconds), pg::to_param(limit)});
  std::vector<shipment_to_track> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    shipment_to_track s;
    s.id = in.int64();
    s.order_id = in.int64();
    s.provider_shipment_id = in.str();
    s.tracking_number = in.str();
    out.push_back(std::move(s));
  }
  return out;
}

void record_tracking(pg::connection& c, int64_t shipment_id, const std::string& status,
                     const std::string& tracking_number, const std::string& events_json) {
  if (status.empty()) {
    c.exec("UPDATE shipments SET tracking_checked_at = now() WHERE id = $1::bigint", {pg::to_param(shipment_id)});
    return;
  }
  c.exec("UPDATE shipments SET status = $2, tracking_number = COALESCE(NULLIF($3, ''), tracking_number), "
         "tracking_events = $4::jsonb, tracking_checked_at = now(), updated_at = now() "
         "WHERE id = $1::bigint AND status <> 'creating'",
         {pg::to_param(shipment_id), status, tracking_number, events_json});
}

std::vector<abandoned_cart> abandoned_carts(pg::connection& c, int64_t after_seconds, int64_t limit) {
  auto r = c.exec("SELECT u.id, u.email, u.first_name, count(*), sum(ci.quantity), max(ci.updated_at)::text "
                  "FROM cart_items ci JOIN users u ON u.id = ci.user_id "
                  "WHERE u.is_active "
                  "GROUP BY u.id, u.email, u.first_name "
                  "HAVING max(ci.updated_at) <= now() - make_interval(secs => $1::bigint) "
                  "   AND NOT EXISTS (SELECT 1 FROM cart_reminders r "
                  "                   WHERE r.user_id = u.id AND r.cart_changed_at >= max(ci.updated_at)) "
                  "ORDER BY max(ci.updated_at) LIMIT $2::bigint",
                  {pg::to_param(after_seconds), pg::to_param(limit)});
  std::vector<abandoned_cart> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    abandoned_cart a;
    a.user_id = in.int64();
    a.email = in.str();
    a.first_name = in.str();
    a.lines = in.int64();
    a.units = in.int64();
    a.changed_at = in.str();
    out.push_back(std::move(a));
  }
  return out;
}

bool claim_cart_reminder(pg::connection& c, int64_t user_id, const std::string& changed_at) {
  auto r = c.exec("INSERT INTO cart_reminders (user_id, cart_changed_at, status) VALUES ($1::bigint, $2::timestamptz, 'sending') "
                  "ON CONFLICT (user_id) DO UPDATE SET cart_changed_at = EXCLUDED.cart_changed_at, status = 'sending', "
                  "  reminded_at = now() "
                  "WHERE cart_reminders.cart_changed_at < EXCLUDED.cart_changed_at "
                  "RETURNING user_id",
                  {pg::to_param(user_id), changed_at});
  return !r.empty();
}

void finish_cart_reminder(pg::connection& c, int64_t user_id, bool sent, const std::string& provider,
                          const std::string& recipient) {
  pg::transaction tx{c};
  const std::string status = sent ? "sent" : "failed";
  tx.exec("UPDATE cart_reminders SET status = $2 WHERE user_id = $1::bigint", {pg::to_param(user_id), status});
  tx.exec("INSERT INTO notifications (order_id, user_id, type, provider, notification_type, status, recipient) "
          "VALUES (NULL, $1::bigint, 'email', $2, 'abandoned_cart', $3, $4)",
          {pg::to_param(user_id), provider, status, recipient});
  tx.commit();
}

}  // namespace commerce::persistence
