#include "persistence/outbox_repository.hpp"

#include <algorithm>

namespace commerce::persistence {

std::vector<outbox_email> claim_outbox_emails(pg::connection& c, int64_t limit, int64_t lease_seconds) {
  // One statement: the rows are locked, leased and returned atomically.
  auto r = c.exec("UPDATE email_outbox o SET attempts = o.attempts + 1, "
                  "  next_attempt_at = now() + make_interval(secs => $2::bigint) "
                  "FROM (SELECT id FROM email_outbox WHERE status = 'queued' AND next_attempt_at <= now() "
                  "      ORDER BY id LIMIT $1::bigint FOR UPDATE SKIP LOCKED) due "
                  "WHERE o.id = due.id "
                  "RETURNING o.id, o.recipient, o.template, o.payload::text, o.attempts",
                  {pg::to_param(limit), pg::to_param(lease_seconds)});
  std::vector<outbox_email> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    auto row = r.row(i);
    outbox_email e;
    e.id = row.int64();
    e.recipient = row.str();
    e.template_name = row.str();
    e.payload = row.str();
    e.attempts = row.int32();
    out.push_back(std::move(e));
  }
  // RETURNING keeps no order: oldest first, as claimed.
  std::sort(out.begin(), out.end(), [](const outbox_email& a, const outbox_email& b) { return a.id < b.id; });
  return out;
}

bool mark_outbox_sent(pg::connection& c, int64_t id) {
  auto r = c.exec("UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = NULL "
                  "WHERE id = $1::bigint AND status = 'queued'",
                  {pg::to_param(id)});
  return r.affected() == 1;
}

bool mark_outbox_attempt_failed(pg::connection& c, int64_t id, const std::string& error, int max_attempts,
                                int64_t retry_after_seconds) {
  auto r = c.exec("UPDATE email_outbox SET last_error = left($2, 1000), "
                  "  status = CASE WHEN attempts >= $3::int THEN 'failed' ELSE 'queued' END, "
                  "  next_attempt_at = now() + make_interval(secs => $4::bigint) "
                  "WHERE id = $1::bigint AND status = 'queued' "
                  "RETURNING status",
                  {pg::to_param(id), error, std::to_string(max_attempts), pg::to_param(retry_after_seconds)});
  return !r.empty() && r.str(0, 0) == "failed";
}

}  // namespace commerce::persistence
