// The two ways an actor runs SQL on the blocking pool and answers its requester with the
// result R (a reply struct with a `problem error` member):
//  - reply_from_db: the actor keeps processing other messages meanwhile (supervisors, reads);
//  - reply_from_db_serialized: it waits (`await`), so operations on one entity never interleave.
// A job that fails (database down, statement error) answers R{problem::unavailable()}.
#pragma once

#include "actors/blocking_pool.hpp"
#include "actors/problem.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <memory>

namespace commerce::actors {

struct db_access {
  std::shared_ptr<pg::pool> db;
  caf::actor workers;
  std::chrono::milliseconds timeout{10000};
};

template <class R>
R unavailable_reply() {
  R r{};
  r.error = problem::unavailable();
  return r;
}

/// Requests `job` from `worker` (the blocking pool, or a db_batcher) and answers the result T as
/// `map(T&)`; on an error (the job failed or timed out, and may still have committed) it runs
/// `on_error()` and answers R{problem::unavailable()}. `serialized`: the actor waits (`await`).
template <class R, class T, class Self, class Job, class Map, class OnError>
caf::typed_response_promise<R> reply_mapped(Self* self, const caf::actor& worker, std::chrono::milliseconds timeout, Job job,
                                            Map map, OnError on_error, bool serialized) {
  auto rp = self->template make_response_promise<R>();
  auto handle = self->request(worker, timeout, std::move(job));
  auto on_result = [rp, map](T& result) mutable { rp.deliver(map(result)); };
  auto on_failure = [rp, on_error](caf::error&) mutable {
    on_error();
    rp.deliver(unavailable_reply<R>());
  };
  if (serialized)
    handle.await(on_result, on_failure);
  else
    handle.then(on_result, on_failure);
  return rp;
}

/// `then(R&)` may adjust the result (or the actor's state) before it is delivered.
template <class R, class Self, class Fn, class Then>
caf::typed_response_promise<R> reply_from_db(Self* self, const db_access& db, Fn fn, Then then, bool serialized = false) {
  return reply_mapped<R, R>(self, db.workers, db.timeout, db_job(db.db, std::move(fn)),
                            [then](R& r) mutable {
                              then(r);
                              return std::move(r);
                            },
                            [] {}, serialized);
}

template <class R, class Self, class Fn>
caf::typed_response_promise<R> reply_from_db(Self* self, const db_access& db, Fn fn) {
  return reply_from_db<R>(self, db, std::move(fn), [](R&) {});
}

template <class R, class Self, class Fn, class Then>
caf::typed_response_promise<R> reply_from_db_serialized(Self* self, const db_access& db, Fn fn, Then then) {
  return reply_from_db<R>(self, db, std::move(fn), std::move(then), true);
}

}  // namespace commerce::actors
