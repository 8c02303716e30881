// The job desk (job_desk_api): stores a job as a PENDING task, then queues it; answers task
// reads from the Redis hash cache, else PostgreSQL. Its blocking work (libpq, hiredis) runs on
// the database worker pool, never on CAF's scheduler threads.
#pragma once

#include "actors/db_calls.hpp"
#include "actors/job_messages.hpp"
#include "persistence/job_queue.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace commerce::actors {

struct job_desk_deps {
  db_access db;                                           ///< the pool and its blocking workers
  std::shared_ptr<persistence::job_queue_factory> queue;  ///< where jobs are pushed
  std::string redis_url;                                  ///< the task cache; empty: none
  std::chrono::seconds cache_ttl{24 * 3600};
};

job_desk_api spawn_job_desk(caf::actor_system& sys, job_desk_deps deps);

/// The job types this server knows (job_types::*); the desk refuses any other.
bool is_known_job_type(const std::string& type);

/// Who may read a task: its owner or staff; a system task (no owner): staff only.
bool may_read_task(const requester& who, const task_record& t);

}  // namespace commerce::actors
