#include "actors/job_desk.hpp"

#include "persistence/task_repository.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace commerce::actors {

namespace {

/// Objects used by one thread at a time (queue connections, cache connections): a blocking job
/// borrows one and gives it back, so the pool's threads share as many as run at once.
template <class T>
class borrow_pool {
public:
  explicit borrow_pool(std::function<std::unique_ptr<T>()> make) : make_(std::move(make)) {}

  template <class F>
  auto with(F fn) {
    std::unique_ptr<T> item;
    {
      std::lock_guard<std::mutex> lock{mtx_};
      if (!idle_.empty()) {
        item = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!item)
      item = make_();
    struct give_back {
      borrow_pool* pool;
      std::unique_ptr<T>& item;
      ~give_back() {
        std::lock_guard<std::mutex> lock{pool->mtx_};
        pool->idle_.push_back(std::move(item));
      }
    } returned{this, item};
    return fn(*item);
  }

private:
  std::function<std::unique_ptr<T>()> make_;
  std::mutex mtx_;
  std::vector<std::unique_ptr<T>> idle_;
};

struct desk_resources {
  explicit desk_resources(const job_desk_deps& d)
    : db(d.db.db), queues([queue = d.queue] { return queue->make(); }),
      caches([url = d.redis_url, ttl = d.cache_ttl] { return std::make_unique<persistence::task_cache>(url, ttl); }) {}

  std::shared_ptr<pg::pool> db;
  borrow_pool<persistence::job_queue> queues;
  borrow_pool<persistence::task_cache> caches;
};

task_reply found(const requester& who, const task_record& t) {
  if (!may_read_task(who, t))
    return task_reply{problem::not_found("task not found"), {}};
  return task_reply{problem::none(), t};
}

task_reply enqueue(desk_resources& res, const enqueue_job& m) {
  persistence::stored_task task;
  {
    auto c = res.db->acquire();
    try {
      task = persistence::insert_task(*c, m.type, m.payload, m.owner_user_id);
    } catch (const pg::error& e) {
      if (e.sqlstate() == "22P02") {  // the payload is not JSON: the caller's bug
        spdlog::error("job desk: {} job with a payload that is not JSON: {}", m.type, e.what());
        return task_reply{problem::internal(), {}};
      }
      throw;
    }
  }
  // Cached before it is queued: a worker's later writes carry newer versions.
  res.caches.with([&](persistence::task_cache& cache) { cache.put(task); });
  try {
    res.queues.with([&](persistence::job_queue& q) { q.push({task.task.id, m.type, m.payload}); });
  } catch (const persistence::queue_unavailable& e) {
    spdlog::error("job desk: cannot queue {} job {}: {}", m.type, task.task.id, e.what());
    // No orphan PENDING task: it is recorded as failed, and the caller told to try again.
    auto c = res.db->acquire();
    if (auto failed = persistence::mark_task_failure(*c, task.task.id, "the job queue was unavailable"))
      res.caches.with([&](persistence::task_cache& cache) { cache.put(*failed); });
    return task_reply{problem::unavailable(), {}};
  }
  return task_reply{problem::none(), task.task};
}

task_reply read(desk_resources& res, const get_task& q) {
  if (!persistence::is_uuid(q.task_id))
    return task_reply{problem::not_found("task not found"), {}};
  if (auto cached = res.caches.with([&](persistence::task_cache& cache) { return cache.get(q.task_id); }))
    return found(q.who, *cached);
  std::optional<persistence::stored_task> t;
  {
    auto c = res.db->acquire();
    t = persistence::find_task(*c, q.task_id);
  }
  if (!t)
    return task_reply{problem::not_found("task not found"), {}};
  res.caches.with([&](persistence::task_cache& cache) { cache.put(*t); });
  return found(q.who, t->task);
}

/// Runs `fn()` on the blocking pool and delivers its task_reply; a failed job is a 503.
template <class Fn>
caf::typed_response_promise<task_reply> on_blocking_pool(job_desk_api::pointer self, const db_access& db, Fn fn) {
  auto rp = self->make_response_promise<task_reply>();
  self->request(db.workers, db.timeout, cpu_job(std::move(fn)))
    .then([rp](task_reply& r) mutable { rp.deliver(std::move(r)); },
          [rp](caf::error&) mutable { rp.deliver(unavailable_reply<task_reply>()); });
  return rp;
}

job_desk_api::behavior_type job_desk(job_desk_api::pointer self, job_desk_deps d) {
  auto res = std::make_shared<desk_resources>(d);
  return {
    [=](const enqueue_job& m) -> caf::result<task_reply> {
      if (!is_known_job_type(m.type)) {
        spdlog::error("job desk: unknown job type '{}'", m.type);
        return task_reply{problem::internal(), {}};
      }
      return on_blocking_pool(self, d.db, [res, m] { return enqueue(*res, m); });
    },
    [=](const get_task& q) -> caf::result<task_reply> {
      return on_blocking_pool(self, d.db, [res, q] { return read(*res, q); });
    },
  };
}

}  // namespace

bool is_known_job_type(const std::string& type) {
  for (const char* known :
       {job_types::noop, job_types::process_order, job_types::send_notification, job_types::sync_inventory,
        job_types::release_reservations, job_types::reconcile_payments, job_types::poll_pending_payments,
        job_types::refresh_tracking, job_types::remind_abandoned_carts, job_types::deliver_outbox})
    if (type == known)
      return true;
  return false;
}

bool may_read_task(const requester& who, const task_record& t) {
  return t.owner_user_id ? who.may_see(*t.owner_user_id) : who.is_staff;
}

job_desk_api spawn_job_desk(caf::actor_system& sys, job_desk_deps deps) {
  return sys.spawn(job_desk, std::move(deps));
}

}  // namespace commerce::actors
