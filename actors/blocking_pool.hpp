// Blocking work (libpq, hiredis, Argon2id) never runs on CAF's two cooperative scheduler
// threads. A blocking pool is an actor_pool of detached workers, each on its own thread;
// actors `request` a blocking_job from it and get the job's result message back, so entity
// actors keep CAF's request/response semantics (and `await` for serialisation).
#pragma once

#include "persistence/pg_pool.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace commerce::actors {

struct blocking_job {
  blocking_job() = default;
  blocking_job(std::function<caf::message()> fn,
               std::optional<std::chrono::steady_clock::time_point> drop_after = std::nullopt,
               caf::actor_addr for_client = {})
    : run(std::move(fn)), deadline(drop_after), client(std::move(for_client)) {}

  std::function<caf::message()> run;
  /// Past this point nobody waits for the answer any more (the request timed out), so a
  /// worker that reaches the job only then drops it instead of running it.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  /// The actor the answer is ultimately for (an HTTP request's actor): once it is gone, the
  /// client has given up and the job is dropped unrun. Empty: not tracked.
  caf::actor_addr client;

  /// True when the job's answer can no longer reach anyone.
  bool abandoned() const;
};

/// Admission to a pool with a bounded queue: at most `limit` jobs queued or running at once.
/// A job holds its ticket until the last copy of it is destroyed (run, dropped, or its message
/// discarded), so the count cannot leak. Shared by every actor that submits to the pool.
class job_gate {
public:
  explicit job_gate(size_t limit) : limit_(limit) {}
  /// A ticket, or nullptr when `limit` jobs are already in.
  std::shared_ptr<void> try_admit();
  size_t in_queue() const { return count_->load(); }
  size_t limit() const { return limit_; }

private:
  size_t limit_;
  std::shared_ptr<std::atomic<size_t>> count_ = std::make_shared<std::atomic<size_t>>(0);
};

/// `workers` detached actors behind one round-robin handle. An exception thrown by a job comes
/// back to the requester as sec::runtime_error carrying the exception's text; an abandoned job
/// (see blocking_job) is not run and answers sec::request_timeout.
caf::actor spawn_blocking_pool(caf::actor_system& sys, size_t workers, std::string name);

/// A job that leases a database connection and returns `fn(connection)` as the reply.
template <class F>
blocking_job db_job(std::shared_ptr<pg::pool> db, F fn) {
  return blocking_job{[db = std::move(db), fn = std::move(fn)]() -> caf::message {
    auto lease = db->acquire();
    return caf::make_message(fn(*lease));
  }};
}

/// A job with no database, e.g. password hashing.
template <class F>
blocking_job cpu_job(F fn) {
  return blocking_job{[fn = std::move(fn)]() -> caf::message { return caf::make_message(fn()); }};
}

/// cpu_job for a bounded pool: nullopt when `gate` is full (answer "busy" at once); otherwise a
/// job holding its ticket, dropped unrun once `client` is gone or `deadline` has passed.
template <class F>
std::optional<blocking_job> admitted_cpu_job(job_gate* gate, F fn, caf::actor_addr client,
                                             std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<void> ticket;
  if (gate && !(ticket = gate->try_admit()))
    return std::nullopt;
  return blocking_job{[fn = std::move(fn), ticket]() -> caf::message { return caf::make_message(fn()); }, deadline,
                      std::move(client)};
}

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::blocking_job)
