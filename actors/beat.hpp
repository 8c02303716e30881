// The beat: raises the periodic jobs of BEAT_SCHEDULE (domain/beat_schedule.hpp) by asking the
// job desk, as system jobs (no owner). Any number of beats may run; one leads:
//  - with Redis, the leader holds `SET commerce:beat:leader <node> NX PX ttl`, renewed by a
//    compare-and-pexpire script at a third of the TTL and deleted (compare-and-delete) on a
//    clean stop, so when the leader dies another beat takes over within the TTL;
//  - without Redis, a PostgreSQL session advisory lock on the beat's own connection (released
//    by PostgreSQL when the leader's connection goes).
// Each entry's next slot is durable (beat_schedule, migration 0009) and claimed with a
// conditional UPDATE, so two leaders (a lock expiry race) never fire one slot twice, and a new
// leader goes on with the schedule instead of firing everything at once. An overdue slot (no
// beat was running) fires once, not once per missed slot.
// The beat blocks on Redis and PostgreSQL, so it runs on a thread of its own (a detached
// actor), never on CAF's scheduler threads.
#pragma once

#include "actors/job_messages.hpp"
#include "domain/beat_schedule.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace commerce::actors {

struct beat_deps {
  std::string database;   ///< PostgreSQL conninfo: the beat opens a connection of its own
  std::string redis_url;  ///< empty: the PostgreSQL advisory lock elects the leader
  job_desk_api jobs;      ///< where the periodic jobs are enqueued
  std::vector<domain::beat_entry> schedule;
  std::chrono::milliseconds lock_ttl{10000};  ///< BEAT_LOCK_TTL_MS
  std::string node_id;                        ///< empty: host:pid:random
  std::string lock_key = "commerce:beat:leader";  ///< the Redis key, or (hashed) the advisory lock's key
  std::chrono::milliseconds enqueue_timeout{10000};
};

/// Asks a beat whether it leads now (a bool), for tests and the admin console.
using beat_leader_atom = caf::atom_constant<caf::atom("beat_lead")>;

/// Starts a beat. Stop it with an exit message (user_shutdown): it gives up its lock at once.
/// A beat with an empty schedule (BEAT_SCHEDULE=none) never contends for the lead.
caf::actor spawn_beat(caf::actor_system& sys, beat_deps deps);

/// The default schedule: every periodic job, reservations.release every
/// `reservation_sweep_seconds` (RESERVATION_SWEEP_SECONDS).
std::string default_beat_schedule(int64_t reservation_sweep_seconds);

/// BEAT_SCHEDULE (or, when empty, the default; `none`: no entries) parsed, with every job type checked against the
/// ones this server runs (job_types); throws std::invalid_argument with one line otherwise.
std::vector<domain::beat_entry> beat_schedule_of(const std::string& configured, int64_t reservation_sweep_seconds);

}  // namespace commerce::actors
