#include "persistence/admin_repository.hpp"

namespace commerce::persistence {

namespace {
constexpr const char* iso = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

std::string iso_of(const std::string& column) {
  std::string out = iso;
  out.replace(out.find("%s"), 2, column);
  return out;
}

audit_entry read_audit(const pg::result& r, int i) {
  auto in = r.row(i);
  audit_entry e;
  e.id = in.int64();
  e.staff_user_id = in.opt_int64();
  e.staff_email = in.str();
  e.action = in.str();
  e.target = in.str();
  e.outcome = in.str();
  e.detail = in.str();
  e.created_at = in.str();
  return e;
}

std::string audit_columns() {
  return "id, staff_user_id, staff_email, action, target, outcome, detail, " + iso_of("created_at");
}
}  // namespace

audit_entry insert_audit(pg::connection& c, const audit_entry& e) {
  auto r = c.exec("INSERT INTO admin_audit (staff_user_id, staff_email, action, target, outcome, detail) "
                  "VALUES ($1::bigint, $2, $3, $4, $5, $6) RETURNING " + audit_columns(),
                  {e.staff_user_id ? pg::param{std::to_string(*e.staff_user_id)} : std::nullopt, e.staff_email,
                   e.action, e.target, e.outcome, e.detail});
  return read_audit(r, 0);
}

std::vector<audit_entry> recent_audit(pg::connection& c, int64_t limit) {
  auto r = c.exec("SELECT " + audit_columns() + " FROM admin_audit ORDER BY id DESC LIMIT $1::bigint",
                  {std::to_string(limit)});
  std::vector<audit_entry> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_audit(r, i));
  return out;
}

std::vector<beat_entry_row> beat_entries(pg::connection& c) {
  auto r = c.exec("SELECT name, job_type, schedule, " + iso_of("last_run_at") + ", " + iso_of("next_run_at") +
                  ", last_task_id FROM beat_schedule ORDER BY next_run_at, name");
  std::vector<beat_entry_row> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    beat_entry_row e;
    e.name = in.str();
    e.job_type = in.str();
    e.schedule = in.str();
    e.last_run_at = in.opt_str();
    e.next_run_at = in.str();
    e.last_task_id = in.opt_str();
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<failed_task_row> recent_failed_tasks(pg::connection& c, int64_t limit) {
  auto r = c.exec("SELECT id::text, type, status, attempts, coalesce(error, ''), " + iso_of("updated_at") +
                  " FROM tasks WHERE status IN ('RETRY', 'FAILURE') ORDER BY updated_at DESC LIMIT $1::bigint",
                  {std::to_string(limit)});
  std::vector<failed_task_row> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    failed_task_row t;
    t.id = in.str();
    t.type = in.str();
    t.status = in.str();
    t.attempts = in.int64();
    t.error = in.str();
    t.updated_at = in.str();
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> pg_pending_by_consumer(pg::connection& c) {
  auto r = c.exec("SELECT lease_owner::text, count(*) FROM tasks WHERE lease_owner IS NOT NULL AND lease_until > now() "
                  "AND status IN ('PENDING', 'STARTED', 'RETRY') GROUP BY lease_owner ORDER BY 1");
  std::vector<std::pair<std::string, int64_t>> out;
  for (int i = 0; i < r.rows(); ++i)
    out.emplace_back(r.str(i, 0), r.int64(i, 1));
  return out;
}

std::optional<revived_task> revive_failed_task(pg::connection& c, const std::string& id) {
  // Only a FAILURE: a task still running or waiting for its retry belongs to the workers.
  auto r = c.exec("UPDATE tasks SET status = 'PENDING', attempts = 0, error = NULL, result = NULL, "
                  "started_at = NULL, finished_at = NULL, dead_letter = false, lease_owner = NULL, lease_until = NULL, "
                  "run_after = now(), updated_at = now() "
                  "WHERE id = $1::uuid AND status = 'FAILURE' RETURNING type, payload::text",
                  {id});
  if (r.empty())
    return std::nullopt;
  return revived_task{r.str(0, 0), r.str(0, 1)};
}

}  // namespace commerce::persistence
