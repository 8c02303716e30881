// What the admin console reads and writes in PostgreSQL: the audit of administrators' actions
// (migration 0013), the beat's schedule, the tasks that failed, and a dead-lettered task put
// back to PENDING for a retry.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct audit_entry {
  int64_t id = 0;
  std::optional<int64_t> staff_user_id;
  std::string staff_email;
  std::string action;
  std::string target;
  std::string outcome;
  std::string detail;
  std::string created_at;  ///< ISO-8601 UTC
};

audit_entry insert_audit(pg::connection& c, const audit_entry& e);
/// The newest `limit` entries, newest first.
std::vector<audit_entry> recent_audit(pg::connection& c, int64_t limit);

struct beat_entry_row {
  std::string name;
  std::string job_type;
  std::string schedule;
  std::optional<std::string> last_run_at;  ///< ISO-8601 UTC
  std::string next_run_at;
  std::optional<std::string> last_task_id;
};
std::vector<beat_entry_row> beat_entries(pg::connection& c);

struct failed_task_row {
  std::string id;
  std::string type;
  std::string status;  ///< RETRY or FAILURE
  int64_t attempts = 0;
  std::string error;
  std::string updated_at;  ///< ISO-8601 UTC
};
/// Tasks whose last attempt failed (RETRY or FAILURE), most recent first.
std::vector<failed_task_row> recent_failed_tasks(pg::connection& c, int64_t limit);

/// Tasks leased by each PostgreSQL-queue consumer now (lease_owner), for the jobs view.
std::vector<std::pair<std::string, int64_t>> pg_pending_by_consumer(pg::connection& c);

/// A FAILURE task back to PENDING with its attempts reset, for an administrator's retry; its
/// type and payload, or nullopt when the task does not exist or did not fail.
struct revived_task {
  std::string type;
  std::string payload;
};
std::optional<revived_task> revive_failed_task(pg::connection& c, const std::string& id);

}  // namespace commerce::persistence
