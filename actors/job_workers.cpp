#include "actors/job_workers.hpp"

#include "persistence/task_repository.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace commerce::actors {

namespace {

using persistence::stored_task;
using persistence::taken_job;

/// Logs a queue that cannot be reached once per outage, not once per take.
class outage_log {
public:
  void failed(const std::exception& e) {
    if (!down_)
      spdlog::error("job worker: {}; retrying", e.what());
    down_ = true;
  }
  void recovered() {
    if (down_)
      spdlog::info("job worker: the job queue is reachable again");
    down_ = false;
  }

private:
  bool down_ = false;
};

job_outcome run_handler(const job_registry& handlers, const job& j, caf::scoped_actor& self) {
  const auto* handler = handlers.find(j.type);
  if (!handler)
    return job_outcome::failed("no handler for job type '" + j.type + "' on this worker");
  try {
    return (*handler)(j, self);
  } catch (const std::exception& e) {
    return job_outcome::retry_later(e.what());
  } catch (...) {
    return job_outcome::retry_later("the handler threw an unknown exception");
  }
}

}  // namespace

std::chrono::milliseconds retry_delay(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                      std::mt19937_64& rng) {
  int64_t cap = base.count();
  for (int i = 1; i < attempt && cap < max.count(); ++i)
    cap *= 2;
  cap = std::max<int64_t>(0, std::min(cap, max.count()));
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(rng));
}

std::function<bool()> jobs_runnable_check(std::shared_ptr<persistence::job_queue_factory> queue, bool local_workers) {
  if (local_workers)
    return [] { return true; };
  if (!queue->uses_redis())
    return [] { return false; };
  return [queue] { return queue->make()->consumers_alive(); };
}

void add_core_jobs(job_registry& registry) {
  registry.add(job_types::noop, [](const job&, caf::scoped_actor&) { return job_outcome::ok("{}"); });
}

job_workers::job_workers(caf::actor_system& sys, job_worker_deps deps, job_worker_settings s)
  : sys_(sys), deps_(std::move(deps)), s_(s) {}

job_workers::~job_workers() { stop(); }

void job_workers::start() {
  if (started_.exchange(true))
    return;
  for (int i = 0; i < s_.concurrency; ++i)
    slots_.push_back(std::make_unique<slot>());
  for (int i = 0; i < s_.concurrency; ++i)
    threads_.emplace_back([this, i] { work(static_cast<size_t>(i)); });
  threads_.emplace_back([this] { keep(); });
  spdlog::info("{} job workers started ({} queue)", s_.concurrency,
               deps_.queue->uses_redis() ? "Redis Streams" : "PostgreSQL");
}

void job_workers::stop() {
  if (!started_ || stopping_.exchange(true))
    return;
  {
    std::lock_guard<std::mutex> lock{stop_mtx_};
  }
  stop_cv_.notify_all();
  size_t busy = 0;
  for (auto& sl : slots_) {
    std::lock_guard<std::mutex> lock{sl->mtx};
    busy += sl->current ? 1 : 0;
  }
  if (busy)
    spdlog::info("job workers: waiting for {} running job(s) to finish", busy);
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  spdlog::info("job workers stopped");
}

job_worker_stats job_workers::stats() const { return {succeeded_.load(), retried_.load(), failed_.load()}; }

bool job_workers::pause(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock{stop_mtx_};
  stop_cv_.wait_for(lock, d, [this] { return stopping_.load(); });
  return !stopping_;
}

void job_workers::work(size_t index) {
  auto queue = deps_.queue->make();
  persistence::task_cache cache{deps_.redis_url};
  caf::scoped_actor self{sys_};
  std::mt19937_64 rng{std::random_device{}()};
  outage_log outage;
  auto& my = *slots_[index];
  while (!stopping_) {
    std::optional<taken_job> taken;
    try {
      taken = queue->take(s_.take_wait);
      outage.recovered();
    } catch (const std::exception& e) {
      outage.failed(e);
      pause(std::chrono::seconds(1));
      continue;
    }
    if (!taken)
      continue;
    {
      std::lock_guard<std::mutex> lock{my.mtx};
      my.current = *taken;
    }
    try {
      process(*queue, cache, self, rng, *taken);
    } catch (const std::exception& e) {
      // The database or the queue failed mid-way: the job stays on the queue, unacknowledged,
      // and is delivered again once its claim runs out.
      spdlog::error("job {} ({}): {}; it will be delivered again", taken->job.id, taken->job.type, e.what());
    }
    {
      std::lock_guard<std::mutex> lock{my.mtx};
      my.current.reset();
    }
  }
}

void job_workers::process(persistence::job_queue& queue, persistence::task_cache& cache, caf::scoped_actor& self,
                          std::mt19937_64& rng, const taken_job& taken) {
  auto with_db = [this](auto fn) {
    auto c = deps_.db->acquire();
    return fn(*c);
  };
  const auto& id = taken.job.id;
  auto started = with_db([&](pg::connection& c) { return persistence::mark_task_started(c, id); });
  if (!started) {
    spdlog::warn("job {} ({}) has no task record; dropped", id, taken.job.type);
    queue.ack(taken);
    return;
  }
  if (domain::finished(started->task.status)) {
    // Delivered again after its task was finished (the worker died before acknowledging):
    // finish the queue's side only.
    if (started->task.status == task_status::success)
      queue.ack(taken);
    else
      queue.dead_letter(taken, started->task.error.value_or("failed"));
    return;
  }
  cache.put(*started);

  job j{id, taken.job.type, taken.job.payload, started->task.attempts};
  // Deliveries that never finished (their workers died mid-job) count as attempts too, so a job
  // that brings its worker down every time is given up instead of redelivered forever.
  auto outcome = j.attempt > s_.max_attempts
                   ? job_outcome::failed("gave up after " + std::to_string(s_.max_attempts) +
                                         " attempts: its workers stopped before it finished")
                   : run_handler(*deps_.handlers, j, self);
  if (outcome.what == job_outcome::kind::retry && j.attempt >= s_.max_attempts) {
    outcome = job_outcome::failed(outcome.error);
    spdlog::warn("job {} ({}) failed {} times; dead letter: {}", id, j.type, j.attempt, outcome.error);
  }
  switch (outcome.what) {
    case job_outcome::kind::success: {
      std::optional<stored_task> done;
      try {
        done = with_db([&](pg::connection& c) { return persistence::mark_task_success(c, id, outcome.result); });
      } catch (const pg::error& e) {
        if (e.sqlstate() != "22P02")
          throw;
        // The handler's result is not JSON: its bug, recorded as the task's failure.
        outcome = job_outcome::failed("the handler returned a result that is not a JSON object");
        done = with_db([&](pg::connection& c) { return persistence::mark_task_failure(c, id, outcome.error); });
        if (done)
          cache.put(*done);
        queue.dead_letter(taken, outcome.error);
        ++failed_;
        return;
      }
      if (done)
        cache.put(*done);
      queue.ack(taken);
      ++succeeded_;
      // One line per finished job, as Celery's worker logs "succeeded": which node ran what.
      spdlog::info("job {} ({}) attempt {} succeeded", id, j.type, j.attempt);
      return;
    }
    case job_outcome::kind::retry: {
      auto delay = retry_delay(j.attempt, s_.retry_base, s_.retry_max, rng);
      auto waiting = with_db([&](pg::connection& c) { return persistence::mark_task_retry(c, id, outcome.error); });
      if (waiting)
        cache.put(*waiting);
      queue.retry(taken, delay);
      ++retried_;
      spdlog::info("job {} ({}) attempt {} failed ({}); retry in {} ms", id, j.type, j.attempt, outcome.error,
                   delay.count());
      return;
    }
    case job_outcome::kind::failure: {
      auto done = with_db([&](pg::connection& c) { return persistence::mark_task_failure(c, id, outcome.error); });
      if (done)
        cache.put(*done);
      queue.dead_letter(taken, outcome.error);
      ++failed_;
      return;
    }
  }
}

void job_workers::keep() {
  auto queue = deps_.queue->make();
  auto renew_every = std::max(std::chrono::milliseconds(50), s_.visibility_timeout / 3);
  auto next_cleanup = std::chrono::steady_clock::now();
  while (pause(renew_every)) {
    std::vector<taken_job> running;
    for (auto& sl : slots_) {
      std::lock_guard<std::mutex> lock{sl->mtx};
      if (sl->current)
        running.push_back(*sl->current);
    }
    try {
      queue->extend(running);
    } catch (const std::exception& e) {
      spdlog::warn("job workers: could not renew the claim on {} running job(s): {}", running.size(), e.what());
    }
    if (std::chrono::steady_clock::now() >= next_cleanup) {
      next_cleanup = std::chrono::steady_clock::now() + std::chrono::hours(1);
      try {
        auto c = deps_.db->acquire();
        auto n = persistence::delete_finished_tasks(*c, std::chrono::duration_cast<std::chrono::seconds>(s_.task_retention));
        if (n)
          spdlog::info("job workers: deleted {} finished task(s) older than {} h", n, s_.task_retention.count());
      } catch (const std::exception& e) {
        spdlog::warn("job workers: could not delete old tasks: {}", e.what());
      }
    }
  }
}

}  // namespace commerce::actors
