// The user domain's supervisor: one user actor per user id, activated on the first message for
// that id (state loaded from PostgreSQL), passivated after USER_IDLE_SECONDS, and re-activated
// from the database on its next message after a crash. Crashes are counted; more than
// `max_restarts` within `restart_window` escalates: the supervisor itself fails (OTP's
// restart intensity), and whoever monitors it decides (the server shuts down).
#pragma once

#include "actors/blocking_pool.hpp"
#include "actors/job_messages.hpp"
#include "actors/user_messages.hpp"
#include "persistence/pg_pool.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

namespace commerce::actors {

struct user_domain_deps {
  std::shared_ptr<pg::pool> db;
  caf::actor db_workers;      ///< blocking pool for libpq calls
  caf::actor crypto_workers;  ///< blocking pool for Argon2id
  std::shared_ptr<job_gate> crypto_gate;  ///< bounds crypto_workers' queue (CRYPTO_QUEUE_LIMIT); null: unbounded
  /// A user record read longer ago than this is read again before it is trusted: another node
  /// may have changed the password, the active flag or the staff role (CACHE_TTL_MS).
  std::chrono::milliseconds cache_ttl{1000};
  std::chrono::milliseconds call_timeout{10000};
  std::chrono::seconds idle_timeout{300};
  int max_restarts = 10;
  std::chrono::seconds restart_window{60};
  int verification_ttl_hours = 48;
  /// A registration queues emails.deliver_outbox here after its commit, so the verify_email it
  /// wrote to the outbox goes out within seconds (best effort: the beat drains the outbox too).
  /// Invalid: nothing is queued.
  job_desk_api jobs;
};

user_api spawn_user_supervisor(caf::actor_system& sys, user_domain_deps deps);

}  // namespace commerce::actors
