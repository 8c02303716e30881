// The health probe: checks PostgreSQL (SELECT 1 through the worker pool) and Redis (PING) and
// answers health_atom with a health_report. A report is reused for up to a second and
// concurrent askers share one probe, so a storm of health checks costs the database nothing.
#pragma once

#include "persistence/pg_pool.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace commerce::actors {

struct probe_deps {
  std::shared_ptr<pg::pool> db;
  caf::actor db_workers;
  std::string redis_url;  ///< empty: Redis is not part of the health check
  /// Whether jobs can run (/health/'s `worker`); called on a blocking worker. Unset: true.
  std::function<bool()> jobs_runnable;
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds max_age{1000};
};

caf::actor spawn_system_probe(caf::actor_system& sys, probe_deps deps);

}  // namespace commerce::actors
