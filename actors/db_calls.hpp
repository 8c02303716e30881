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

/// `then(R&)` may adjust the result (or the actor's state) before it is delivered.
template <class R, class Self, class Fn, class Then>
caf::typed_response_promise<R> reply_from_db(Self* self, const db_access& db, Fn fn, Then then, bool serialized = false) {
  auto rp = self->template make_response_promise<R>();
  auto handle = self->request(db.workers, db.timeout, db_job(db.db, std::move(fn)));
  auto on_result = [rp, then](R& r) mutable {
    then(r);
    rp.deliver(std::move(r));
  };
  auto on_error = [rp](caf::error&) mutable { rp.deliver(unavailable_reply<R>()); };
  if (serialized)
    handle.await(on_result, on_error);
  else
    handle.then(on_result, on_error);
  return rp;
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
