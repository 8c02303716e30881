// Blocking work (libpq, hiredis, Argon2id) never runs on CAF's two cooperative scheduler
// threads. A blocking pool is an actor_pool of detached workers, each on its own thread;
// actors `request` a blocking_job from it and get the job's result message back, so entity
// actors keep CAF's request/response semantics (and `await` for serialisation).
#pragma once

#include "persistence/pg_pool.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <functional>
#include <string>
#include <memory>

namespace commerce::actors {

struct blocking_job {
  std::function<caf::message()> run;
};

/// `workers` detached actors behind one round-robin handle. An exception thrown by a job comes
/// back to the requester as sec::runtime_error carrying the exception's text.
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

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::blocking_job)
