// The worker runtime: WORKER_CONCURRENCY threads of its own (never CAF's scheduler threads),
// each with its own queue connection, task cache and caf::scoped_actor, running
//   take -> STARTED -> handler -> SUCCESS (ack) | RETRY (backoff, back on the queue) | FAILURE (dead letter)
// The task's state is written to PostgreSQL before the queue hears of it, so a crash at any
// point leaves the job on the queue (redelivered after the visibility timeout), never lost; a
// redelivered job whose task is already finished is not run again. A keeper thread renews the
// claim on running jobs (a long job does not look abandoned) and deletes old finished tasks.
#pragma once

#include "actors/job_messages.hpp"
#include "persistence/job_queue.hpp"

#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace commerce::persistence {
class task_cache;
}

namespace commerce::actors {

struct job_worker_settings {
  int concurrency = 2;
  int max_attempts = 5;                       ///< then FAILURE and the dead letter
  std::chrono::milliseconds retry_base{1000};  ///< the first retry waits up to this
  std::chrono::milliseconds retry_max{60000};  ///< no retry waits longer
  std::chrono::milliseconds visibility_timeout{30000};
  std::chrono::milliseconds take_wait{1000};  ///< how long a take blocks (bounds the stop's latency)
  std::chrono::hours task_retention{24 * 7};  ///< finished tasks older than this are deleted
};

struct job_worker_deps {
  std::shared_ptr<pg::pool> db;
  std::shared_ptr<persistence::job_queue_factory> queue;
  std::shared_ptr<const job_registry> handlers;
  std::string redis_url;  ///< the task cache; empty: none
};

struct job_worker_stats {
  int64_t succeeded = 0;
  int64_t retried = 0;
  int64_t failed = 0;
};

/// The delay before retry number `attempt` (1: after the first failure): exponential backoff
/// with full jitter, uniform in [0, min(max, base * 2^(attempt-1))].
std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                      std::mt19937_64& rng);

/// /health/'s `worker` value: whether jobs can run. True when this node runs workers; else,
/// with Redis, when some consumer of the group asked for work within the visibility timeout;
/// else (PostgreSQL queue, no local workers) false. Blocks (Redis): call it on a blocking worker.
std::function<bool()> jobs_runnable_check(std::shared_ptr<persistence::job_queue_factory> queue, bool local_workers);

/// The handlers of the job runtime itself: `noop` (returns {}).
void add_core_jobs(job_registry& registry);

class job_workers {
public:
  job_workers(caf::actor_system& sys, job_worker_deps deps, job_worker_settings s);
  ~job_workers();  ///< stop()
  job_workers(const job_workers&) = delete;
  job_workers& operator=(const job_workers&) = delete;

  /// Starts the worker threads and the keeper.
  void start();
  /// Stops taking jobs, lets each running job finish, joins the threads. Idempotent.
  void stop();
  bool running() const { return started_ && !stopping_; }
  job_worker_stats stats() const;

private:
  struct slot {
    std::mutex mtx;
    std::optional<persistence::taken_job> current;  ///< the job this worker runs now
  };

  void work(size_t index);
  void keep();
  void process(persistence::job_queue& queue, persistence::task_cache& cache, caf::scoped_actor& self,
               std::mt19937_64& rng, const persistence::taken_job& taken);
  /// Sleeps up to `d`, waking early on stop; false when stopping.
  bool pause(std::chrono::milliseconds d);

  caf::actor_system& sys_;
  job_worker_deps deps_;
  job_worker_settings s_;
  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<std::thread> threads_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mtx_;
  std::condition_variable stop_cv_;
  std::atomic<int64_t> succeeded_{0}, retried_{0}, failed_{0};
};

}  // namespace commerce::actors
