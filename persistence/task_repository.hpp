// Background tasks (API.md §3.7): the durable record in PostgreSQL's `tasks`, and its Redis
// hash `task:{id}` with a TTL that serves the hot reads when Redis is configured. Every state
// change goes to PostgreSQL first; the hash follows (a failed cache write is only logged, a
// failed cache read falls back to PostgreSQL). Statuses are bound as parameters from
// domain::to_string(task_status); the SQL holds none of its own.
#pragma once

#include "domain/task_status.hpp"
#include "persistence/pg.hpp"
#include "persistence/redis_client.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace commerce::persistence {

/// A task record and its version (updated_at in microseconds, from the database's clock), so a
/// late cache write never replaces a newer state.
struct stored_task {
  domain::task_record task;
  int64_t version = 0;
};

/// True for the canonical 8-4-4-4-12 hexadecimal form (what `tasks.id` accepts from us).
bool is_uuid(const std::string& text);

/// A new PENDING task with a fresh UUID.
stored_task insert_task(pg::connection& c, const std::string& type, const std::string& payload_json,
                        std::optional<int64_t> owner_user_id);
std::optional<stored_task> find_task(pg::connection& c, const std::string& id);

/// A delivery begins: STARTED and attempts + 1, unless the task is already finished (then it is
/// returned unchanged: a redelivered job of a finished task is not run again). nullopt: no such task.
std::optional<stored_task> mark_task_started(pg::connection& c, const std::string& id);
/// RETRY with the error of the attempt that failed (the queue holds the job until it is due).
std::optional<stored_task> mark_task_retry(pg::connection& c, const std::string& id, const std::string& error);
std::optional<stored_task> mark_task_success(pg::connection& c, const std::string& id, const std::string& result_json);
std::optional<stored_task> mark_task_failure(pg::connection& c, const std::string& id, const std::string& error);

/// Deletes finished tasks older than `keep` (the queue's dead letter rows included); returns how many.
int64_t delete_finished_tasks(pg::connection& c, std::chrono::seconds keep);

/// The Redis hash cache of task records. One object per thread (it owns a connection, opened on
/// first use and again after a failure). Never throws: Redis down means a miss.
class task_cache {
public:
  /// `url` empty: a cache that holds nothing. Finished tasks are kept `ttl`, others 30 s at most.
  explicit task_cache(const std::string& url, std::chrono::seconds ttl = std::chrono::hours(24));
  task_cache(task_cache&&) noexcept;
  task_cache& operator=(task_cache&&) noexcept;
  ~task_cache();

  bool enabled() const { return endpoint_.has_value(); }
  /// Writes `t` unless the hash holds a newer version; the TTL restarts.
  void put(const stored_task& t);
  std::optional<domain::task_record> get(const std::string& id);

private:
  redis_client* connection();

  std::optional<redis_endpoint> endpoint_;
  std::chrono::seconds ttl_;
  std::optional<redis_client> redis_;
  /// After a failure the cache rests a second: with Redis down, reads and writes do not each
  /// wait for a connection attempt.
  std::chrono::steady_clock::time_point resting_until_{};
  void failed();
};

}  // namespace commerce::persistence
