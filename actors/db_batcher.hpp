// Many actors' small database calls of one kind, run as one statement. A call that arrives while
// `max_in_flight` batches are out waits; when one returns, the calls waiting go out together.
// Under light load each call goes alone at once (no added latency); under load PostgreSQL does
// one statement's work for many calls. Calls with the same key never share a batch (a later
// one waits for the next), so a batch statement may assume one row per key.
//
// Each requester gets its own Result, or an error. A batch that fails as a whole (a deadlock, a
// row violating a constraint) is run again call by call on the same connection, so a failing
// call fails only its own request (a timed-out batch or a lost connection fails every call).
// Every call's result is durable before it is answered, since each statement commits before
// its results return.
#pragma once

#include "actors/db_calls.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

namespace commerce::actors {

/// How one kind of call runs: `many` answers a batch (one result per call, in order), `one` a
/// single call (also the fallback), `key` names what two calls in one batch must not share.
template <class Call, class Result>
struct db_batch_kind {
  std::function<std::vector<Result>(pg::connection&, const std::vector<Call>&)> many;
  std::function<Result(pg::connection&, const Call&)> one;
  std::function<int64_t(const Call&)> key;
};

/// A batch's results in call order; nullopt: that call failed.
template <class Result>
struct db_batch_results {
  std::vector<std::optional<Result>> each;
};

namespace batching {

/// Runs `calls` on `c`: as one batch, or one by one if the batch fails. Never throws: a call
/// whose own run throws gets nullopt.
template <class Call, class Result>
db_batch_results<Result> run(pg::connection& c, const db_batch_kind<Call, Result>& kind, const std::vector<Call>& calls,
                             const char* name) {
  db_batch_results<Result> out;
  out.each.reserve(calls.size());
  if (calls.size() > 1) {
    try {
      for (auto& r : kind.many(c, calls))
        out.each.emplace_back(std::move(r));
      return out;
    } catch (const pg::error& e) {
      // A cancelled statement (statement_timeout) or a lost connection would only repeat per
      // call, up to `calls` times the timeout: every call of the batch fails instead.
      if (e.sqlstate() == "57014" || e.sqlstate().empty() || !c.ok()) {
        spdlog::warn("{}: a batch of {} failed ({}); failing its calls", name, calls.size(), e.what());
        out.each.assign(calls.size(), std::nullopt);
        return out;
      }
      spdlog::warn("{}: a batch of {} failed ({}); running its calls one by one", name, calls.size(), e.what());
      out.each.clear();
    } catch (const std::exception& e) {
      spdlog::warn("{}: a batch of {} failed ({}); running its calls one by one", name, calls.size(), e.what());
      out.each.clear();
    }
  }
  for (const auto& call : calls) {
    try {
      out.each.emplace_back(kind.one(c, call));
    } catch (const std::exception& e) {
      spdlog::warn("{}: a call failed: {}", name, e.what());
      out.each.emplace_back(std::nullopt);
    }
  }
  return out;
}

template <class Call, class Result>
struct state {
  static inline const char* name = "db_batcher";
  struct waiting {
    Call call;
    caf::response_promise rp;
  };
  std::deque<waiting> queue;
  size_t in_flight = 0;
};

template <class Call, class Result>
using batcher_ptr = caf::stateful_actor<state<Call, Result>>*;

/// Sends out batches while fewer than `max_in_flight` are out and calls wait.
template <class Call, class Result>
void pump(batcher_ptr<Call, Result> self, const db_access& db, const std::shared_ptr<const db_batch_kind<Call, Result>>& kind,
          size_t max_in_flight, size_t max_batch, const char* name) {
  auto& st = self->state;
  while (st.in_flight < max_in_flight && !st.queue.empty()) {
    std::vector<Call> calls;
    std::vector<caf::response_promise> promises;
    std::unordered_set<int64_t> keys;
    for (auto it = st.queue.begin(); it != st.queue.end() && calls.size() < max_batch;) {
      if (keys.insert(kind->key(it->call)).second) {
        calls.push_back(std::move(it->call));
        promises.push_back(std::move(it->rp));
        it = st.queue.erase(it);
      } else {
        ++it;  // its key is in this batch already: it goes in a later one
      }
    }
    ++st.in_flight;
    auto finish = [=] {
      --self->state.in_flight;
      pump(self, db, kind, max_in_flight, max_batch, name);
    };
    self->request(db.workers, db.timeout, db_job(db.db, [kind, calls = std::move(calls), name](pg::connection& c) {
          return run(c, *kind, calls, name);
        }))
      .then(
        [=](db_batch_results<Result>& r) mutable {
          for (size_t i = 0; i < promises.size(); ++i) {
            if (i < r.each.size() && r.each[i])
              promises[i].deliver(std::move(*r.each[i]));
            else
              promises[i].deliver(caf::make_error(caf::sec::runtime_error, std::string{"the call failed"}));
          }
          finish();
        },
        [=](caf::error& e) mutable {
          for (auto& p : promises)
            p.deliver(e);
          finish();
        });
  }
}

}  // namespace batching

/// Batches of one kind out at once: a quarter of the pool's connections (at least one), so
/// batches never starve the other queries.
inline size_t batches_in_flight(const db_access& db) { return std::max<size_t>(1, db.db->size() / 4); }

/// A batcher for one kind of call: request it with a Call, get a Result back (or an error).
/// At most `max_in_flight` database connections run its batches at once, `max_batch` calls each.
template <class Call, class Result>
caf::behavior db_batcher(batching::batcher_ptr<Call, Result> self, db_access db, db_batch_kind<Call, Result> kind,
                         size_t max_in_flight, size_t max_batch, const char* name) {
  auto shared_kind = std::make_shared<const db_batch_kind<Call, Result>>(std::move(kind));
  return {
    [=](Call& call) {
      auto rp = self->make_response_promise();
      self->state.queue.push_back({std::move(call), rp});
      batching::pump(self, db, shared_kind, max_in_flight, max_batch, name);
      return rp;
    },
  };
}

}  // namespace commerce::actors

namespace caf {
// Batch results stay inside the process.
template <class Result>
struct allowed_unsafe_message_type<commerce::actors::db_batch_results<Result>> : std::true_type {};
}  // namespace caf
