#include "actors/admin_desk.hpp"

#include "actors/beat.hpp"
#include "persistence/redis_client.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

struct desk_state {
  static inline const char* name = "admin_desk";
  caf::actor beat;
};
using desk_ptr = caf::stateful_actor<desk_state>*;

/// Blocks (libpq, hiredis): runs on a database worker.
jobs_overview read_overview(pg::connection& c, const admin_desk_deps& d) {
  jobs_overview v;
  v.backend = d.queue->uses_redis() ? "redis" : "postgresql";
  try {
    auto queue = d.queue->make();
    v.queue = queue->stats();
    v.pending_by_consumer = d.queue->uses_redis() ? queue->pending_by_consumer() : persistence::pg_pending_by_consumer(c);
  } catch (const std::exception& e) {
    v.queue_reachable = false;
    v.queue_error = e.what();
  }
  v.recent_failures = persistence::recent_failed_tasks(c, 20);
  v.beat = persistence::beat_entries(c);
  if (!d.redis_url.empty()) {
    try {
      persistence::redis_client redis{persistence::parse_redis_url(d.redis_url)};
      auto leader = redis.command({"GET", d.beat_lock_key});
      if (leader.is_text())
        v.beat_leader = leader.text;
    } catch (const std::exception& e) {
      spdlog::warn("admin: could not read the beat leader: {}", e.what());
    }
  }
  if (d.worker_stats) {
    v.workers_local = true;
    v.workers = d.worker_stats();
  }
  return v;
}

caf::behavior admin_desk(desk_ptr self, admin_desk_deps d) {
  return {
    [=](beat_atom, caf::actor beat) { self->state.beat = std::move(beat); },
    [=](jobs_overview_atom) {
      auto rp = self->make_response_promise();
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [d](pg::connection& c) { return read_overview(c, d); }))
        .then(
          [=](jobs_overview& v) mutable {
            if (!self->state.beat) {
              rp.deliver(v);
              return;
            }
            self->request(self->state.beat, std::chrono::seconds(2), beat_leader_atom::value)
              .then([=](bool leads) mutable {
                      v.beat_local_leads = leads;
                      rp.deliver(v);
                    },
                    [=](caf::error&) mutable { rp.deliver(v); });
          },
          [=](caf::error& e) mutable { rp.deliver(e); });
      return rp;
    },
    [=](const retry_dead_job& cmd) {
      auto rp = self->make_response_promise();
      auto queue = d.queue;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [queue, id = cmd.task_id](pg::connection& c) {
            retry_outcome out;
            auto revived = persistence::revive_failed_task(c, id);
            if (!revived)
              return out;
            out.found = true;
            out.type = revived->type;
            auto q = queue->make();
            q->forget_dead(id);
            q->push(persistence::queued_job{id, revived->type, revived->payload});
            return out;
          }))
        .then([=](retry_outcome& r) mutable { rp.deliver(r); }, [=](caf::error& e) mutable { rp.deliver(e); });
      return rp;
    },
    [=](audit_atom, const persistence::audit_entry& e) {
      auto rp = self->make_response_promise();
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [e](pg::connection& c) { return persistence::insert_audit(c, e); }))
        .then([=](persistence::audit_entry& stored) mutable { rp.deliver(stored); },
              [=](caf::error& err) mutable {
                spdlog::error("admin audit: could not record {} on {} by {}: {}", e.action, e.target, e.staff_email,
                              to_string(err));
                rp.deliver(err);
              });
      return rp;
    },
    [=](audit_atom, int64_t limit) {
      auto rp = self->make_response_promise();
      self->request(d.db.workers, d.db.timeout,
                    db_job(d.db.db, [limit](pg::connection& c) { return audit_list{persistence::recent_audit(c, limit)}; }))
        .then([=](audit_list& l) mutable { rp.deliver(l); }, [=](caf::error& e) mutable { rp.deliver(e); });
      return rp;
    },
  };
}

}  // namespace

caf::actor spawn_admin_desk(caf::actor_system& sys, admin_desk_deps deps) { return sys.spawn(admin_desk, std::move(deps)); }

}  // namespace commerce::actors
