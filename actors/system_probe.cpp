#include "actors/system_probe.hpp"

#include "actors/blocking_pool.hpp"
#include "actors/system_messages.hpp"
#include "persistence/redis_client.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <optional>
#include <vector>

namespace commerce::actors {

namespace {

struct probe_state {
  static inline const char* name = "system_probe";
  std::optional<health_report> last;
  std::chrono::steady_clock::time_point taken_at;
  std::vector<caf::response_promise> waiting;  ///< askers while a probe is running
};

using probe_ptr = caf::stateful_actor<probe_state>*;

bool jobs_can_run(const std::function<bool()>& jobs_runnable) {
  try {
    return !jobs_runnable || jobs_runnable();
  } catch (const std::exception& e) {
    spdlog::warn("health: job worker check failed: {}", e.what());
    return false;
  }
}

health_report probe_backends(pg::connection& c, const std::string& redis_url, std::chrono::milliseconds timeout,
                             const std::function<bool()>& jobs_runnable) {
  health_report r;
  r.worker = jobs_can_run(jobs_runnable);
  try {
    c.exec("SELECT 1");
    r.database = true;
  } catch (const std::exception& e) {
    spdlog::warn("health: database check failed: {}", e.what());
  }
  if (!redis_url.empty()) {
    r.redis_checked = true;
    try {
      persistence::redis_client redis{persistence::parse_redis_url(redis_url), timeout};
      r.redis = redis.ping();
    } catch (const std::exception& e) {
      spdlog::warn("health: redis check failed: {}", e.what());
    }
  }
  return r;
}

void finish(probe_ptr self, const health_report& r) {
  self->state.last = r;
  self->state.taken_at = std::chrono::steady_clock::now();
  for (auto& rp : self->state.waiting)
    rp.deliver(r);
  self->state.waiting.clear();
}

caf::behavior system_probe(probe_ptr self, probe_deps d) {
  return {
    [=](health_atom) {
      auto rp = self->make_response_promise();
      auto& st = self->state;
      if (st.last && std::chrono::steady_clock::now() - st.taken_at < d.max_age) {
        rp.deliver(*st.last);
        return rp;
      }
      st.waiting.push_back(rp);
      if (st.waiting.size() > 1)
        return rp;  // a probe is already running
      auto redis_url = d.redis_url;
      auto timeout = d.timeout;
      // The database may be down: acquire with a short timeout instead of the default.
      blocking_job job{[db = d.db, redis_url, timeout, jobs_runnable = d.jobs_runnable]() -> caf::message {
        try {
          auto lease = db->acquire(timeout);
          return caf::make_message(probe_backends(*lease, redis_url, timeout, jobs_runnable));
        } catch (const std::exception& e) {
          spdlog::warn("health: no database connection: {}", e.what());
          health_report r;
          r.worker = jobs_can_run(jobs_runnable);
          r.redis_checked = !redis_url.empty();
          return caf::make_message(r);
        }
      }};
      self->request(d.db_workers, d.timeout * 2, std::move(job))
        .then([=](health_report& r) { finish(self, r); },
              [=](caf::error&) {
                health_report r;  // the worker pool did not answer in time
                r.redis_checked = !d.redis_url.empty();
                finish(self, r);
              });
      return rp;
    },
  };
}

}  // namespace

caf::actor spawn_system_probe(caf::actor_system& sys, probe_deps deps) {
  return sys.spawn(system_probe, std::move(deps));
}

}  // namespace commerce::actors
