// The admin desk: what the console needs that lives in PostgreSQL or the job queue (the jobs
// view, the retry of a dead-lettered job, the audit of administrators' actions). Its blocking
// work runs on the database worker pool, never on CAF's scheduler threads.
#pragma once

#include "actors/admin_messages.hpp"
#include "actors/db_calls.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace commerce::actors {

struct admin_desk_deps {
  db_access db;
  std::shared_ptr<persistence::job_queue_factory> queue;
  std::string redis_url;  ///< the beat's leader key is read here; empty: no Redis
  std::string beat_lock_key = "commerce:beat:leader";
  std::function<job_worker_stats()> worker_stats;  ///< unset: no workers on this node
};

caf::actor spawn_admin_desk(caf::actor_system& sys, admin_desk_deps deps);

}  // namespace commerce::actors
