// The job queue: one interface, two implementations.
//  - Redis Streams (REDIS_URL set): XADD to a stream read by a consumer group; XACK when done;
//    entries a dead consumer left pending are reclaimed (XAUTOCLAIM) after the visibility
//    timeout; retries wait in a sorted set until due; a dead-letter stream keeps what failed.
//  - PostgreSQL (no Redis): the `tasks` rows are the queue (FOR UPDATE SKIP LOCKED, a lease
//    that expires), so a restart loses no pending job.
// A queue object is used by one thread at a time (hiredis contexts are not thread-safe): each
// worker thread gets its own from the factory.
#pragma once

#include "persistence/pg_pool.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace commerce::persistence {

/// A job as it travels on the queue (actors::job without the actor layer).
struct queued_job {
  std::string id;  ///< the task's UUID
  std::string type;
  std::string payload = "{}";
};

/// A job taken by one consumer; `receipt` identifies this delivery (ack, retry, dead letter).
struct taken_job {
  queued_job job;
  std::string receipt;
  int64_t deliveries = 1;  ///< how often the queue handed it out (> 1: redelivered)
};

struct job_queue_stats {
  int64_t waiting = 0;   ///< ready to be taken
  int64_t running = 0;   ///< taken, not yet acknowledged
  int64_t delayed = 0;   ///< waiting for a retry
  int64_t dead = 0;      ///< in the dead letter
};

/// Thrown when the queue cannot be reached (Redis or PostgreSQL down).
struct queue_unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class job_queue {
public:
  virtual ~job_queue() = default;
  /// Queues a job (its task row exists already). Throws queue_unavailable.
  virtual void push(const queued_job& j) = 0;
  /// The next due job, waiting up to `wait` for one; nullopt when none came. Also takes jobs
  /// whose consumer has held them longer than the visibility timeout. Throws queue_unavailable.
  virtual std::optional<taken_job> take(std::chrono::milliseconds wait) = 0;
  /// Done: the job leaves the queue.
  virtual void ack(const taken_job& t) = 0;
  /// Back on the queue after `delay`, atomically with leaving this consumer.
  virtual void retry(const taken_job& t, std::chrono::milliseconds delay) = 0;
  /// Into the dead letter with `error`, atomically with leaving this consumer.
  virtual void dead_letter(const taken_job& t, const std::string& error) = 0;
  /// Keeps the claim on jobs still running (a long job must not look abandoned).
  virtual void extend(const std::vector<taken_job>& running) = 0;
  virtual job_queue_stats stats() = 0;
  /// True when some consumer took or waited for jobs within the visibility timeout.
  virtual bool consumers_alive() = 0;
  /// Jobs each consumer holds unacknowledged (Redis: XPENDING's summary). The PostgreSQL queue
  /// answers empty: its leases are read from the tasks table (admin_repository).
  virtual std::vector<std::pair<std::string, int64_t>> pending_by_consumer() { return {}; }
  /// Removes the job from the dead letter (an administrator retries it). The PostgreSQL queue's
  /// dead letter is a flag on the task row, cleared with the task itself.
  virtual void forget_dead(const std::string& job_id) { (void)job_id; }
};

struct job_queue_settings {
  std::string redis_url;  ///< empty: the PostgreSQL queue
  std::shared_ptr<pg::pool> db;
  std::string stream = "jobs";  ///< Redis keys: <stream>, <stream>:delayed, <stream>:dead, <stream>:consumers
  std::string group = "workers";
  std::chrono::milliseconds visibility_timeout{30000};
  std::chrono::milliseconds poll_interval{200};  ///< PostgreSQL: how often an idle worker looks for jobs
  std::string consumer_prefix;  ///< names this process's consumers (host-pid by default)
};

/// Creates queue objects, one per thread, all on the same queue. Thread-safe.
class job_queue_factory {
public:
  virtual ~job_queue_factory() = default;
  virtual std::unique_ptr<job_queue> make() = 0;
  virtual bool uses_redis() const = 0;
};

/// The Redis Streams factory when `s.redis_url` is set, else the PostgreSQL one. Creates no
/// connection yet (a queue object connects on first use, and again after a failure).
std::shared_ptr<job_queue_factory> make_job_queue_factory(job_queue_settings s);

std::shared_ptr<job_queue_factory> make_redis_job_queue_factory(job_queue_settings s);
std::shared_ptr<job_queue_factory> make_pg_job_queue_factory(job_queue_settings s);

}  // namespace commerce::persistence
