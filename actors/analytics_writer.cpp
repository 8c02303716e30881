#include "actors/analytics.hpp"

#include "actors/analytics_rules.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace commerce::actors {
namespace {

/// What a reservation job answers (a named type: CAF messages carry it).
struct id_block {
  std::vector<int64_t> ids;
};

}  // namespace
}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::id_block)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::analytics_insert_result)

namespace commerce::actors {
namespace {

using row = persistence::analytics_event_row;
using clock = std::chrono::system_clock;

constexpr std::chrono::milliseconds max_backoff{5000};

/// Ids reserved per round trip at first: enough for many batches, so a burst rarely waits for
/// one. Each time the ids run out the block doubles (up to max_id_block).
int id_block_size(const analytics_deps& d) { return static_cast<int>(std::clamp<size_t>(20 * d.batch_events, 10000, 100000)); }
constexpr int max_id_block = 400000;

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock::now().time_since_epoch()).count();
}

struct writer_state {
  static inline const char* name = "analytics_writer";
  std::deque<row> buffer;                          ///< accepted, not yet in a batch
  std::shared_ptr<const std::vector<row>> batch;   ///< being written (kept until it succeeds)
  bool writing = false;
  std::deque<int64_t> ids;
  int id_block = 0;  ///< reserved per round trip; grows when the ids ran out
  bool reserving = false;
  bool starved = false;  ///< the ids ran out since the last reservation arrived
  analytics_counters counters;
  std::chrono::milliseconds backoff{0};
  /// Statistics questions waiting until every event accepted before them is settled.
  std::vector<std::pair<int64_t, std::function<void()>>> waiters;
  bool stopping = false;
  caf::typed_response_promise<analytics_drain_reply> drain;

  size_t held() const { return buffer.size() + (batch ? batch->size() : 0); }
};
using writer_ptr = analytics_api::stateful_pointer<writer_state>;

problem unavailable(const char* why) { return problem::of(error_code::service_unavailable, why); }

void reserve_ids(writer_ptr self, const analytics_deps& d) {
  auto& st = self->state;
  auto block = st.id_block;
  if (st.reserving || st.stopping || st.ids.size() >= static_cast<size_t>(block / 2))
    return;
  st.reserving = true;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [block](pg::connection& c) {
        return id_block{persistence::reserve_analytics_ids(c, block)};
      }))
    .then(
      [self](id_block& b) {
        self->state.reserving = false;
        self->state.starved = false;
        self->state.ids.insert(self->state.ids.end(), b.ids.begin(), b.ids.end());
      },
      [self](caf::error& e) {
        self->state.reserving = false;  // the next event asks again
        spdlog::warn("analytics: could not reserve event ids: {}", self->system().render(e));
      });
}

void finish_drain(writer_ptr self) {
  auto& st = self->state;
  analytics_drain_reply r{st.counters.settled, static_cast<int64_t>(st.held())};
  if (r.lost > 0)
    spdlog::error("analytics: stopping with {} events unwritten (the database did not take them in time)", r.lost);
  st.drain.deliver(r);
  self->quit();
}

void flush(writer_ptr self, const analytics_deps& d);

void release_waiters(writer_ptr self) {
  auto& st = self->state;
  auto ready = std::partition(st.waiters.begin(), st.waiters.end(),
                              [&](const auto& w) { return w.first > st.counters.settled; });
  std::vector<std::function<void()>> run;
  for (auto it = ready; it != st.waiters.end(); ++it)
    run.push_back(std::move(it->second));
  st.waiters.erase(ready, st.waiters.end());
  for (auto& fn : run)
    fn();
}

void flush(writer_ptr self, const analytics_deps& d) {
  auto& st = self->state;
  if (st.writing)
    return;
  if (!st.batch) {
    if (st.buffer.empty())
      return;
    auto n = std::min(d.batch_events, st.buffer.size());
    auto next = std::make_shared<std::vector<row>>(std::make_move_iterator(st.buffer.begin()),
                                                   std::make_move_iterator(st.buffer.begin() + static_cast<long>(n)));
    st.buffer.erase(st.buffer.begin(), st.buffer.begin() + static_cast<long>(n));
    st.batch = std::move(next);
  }
  st.writing = true;
  auto rows = st.batch;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [rows](pg::connection& c) {
        return persistence::insert_analytics_events(c, *rows);
      }))
    .then(
      [self, d](persistence::analytics_insert_result& r) {
        auto& st = self->state;
        st.counters.settled += static_cast<int64_t>(st.batch->size());
        st.counters.refused += r.refused;
        ++st.counters.batches;
        st.batch.reset();
        st.writing = false;
        st.backoff = std::chrono::milliseconds(0);
        release_waiters(self);
        if (st.stopping && st.held() == 0)
          return finish_drain(self);
        if (st.stopping || !st.waiters.empty() || st.buffer.size() >= d.batch_events)
          flush(self, d);
      },
      [self, d](caf::error& e) {
        auto& st = self->state;
        st.writing = false;
        ++st.counters.retries;
        st.backoff = std::min(max_backoff, std::max(std::chrono::milliseconds(100), 2 * st.backoff));
        if (st.counters.retries == 1 || st.counters.retries % 20 == 0)
          spdlog::warn("analytics: writing {} events failed ({}); retrying in {} ms ({} retries so far)", st.batch->size(),
                       self->system().render(e), st.backoff.count(), st.counters.retries);
        self->delayed_send(self, st.backoff, analytics_retry_tick{});
      });
}

analytics_api::behavior_type analytics_writer(writer_ptr self, analytics_deps d, std::vector<int64_t> first_ids) {
  self->state.ids.assign(first_ids.begin(), first_ids.end());
  self->state.id_block = id_block_size(d);
  reserve_ids(self, d);
  self->delayed_send(self, d.flush_interval, analytics_flush_tick{});
  return {
    [=](track_event& ev) -> track_reply {
      auto& st = self->state;
      if (auto why = analytics_rules::check_type(ev.type))
        return {problem::invalid_field("type", *why), 0};
      if (st.stopping)
        return {unavailable("the server is shutting down"), 0};
      if (st.held() >= d.buffer_events)
        return {unavailable("too many analytics events are waiting to be written; retry shortly"), 0};
      if (st.ids.empty()) {
        if (!st.starved) {  // once per reservation: the next block is twice as large
          st.starved = true;
          st.id_block = std::min(max_id_block, 2 * st.id_block);
        }
        reserve_ids(self, d);
        return {unavailable("no event ids are available yet; retry shortly"), 0};
      }
      row r;
      r.id = st.ids.front();
      st.ids.pop_front();
      r.type = std::move(ev.type);
      r.user_id = ev.user_id;
      r.occurred_at_us = now_micros();
      r.amount_minor = ev.amount_minor;
      r.data = std::move(ev.data);
      auto id = r.id;
      st.buffer.push_back(std::move(r));
      ++st.counters.accepted;
      reserve_ids(self, d);
      if (st.buffer.size() >= d.batch_events)
        flush(self, d);
      return {problem::none(), id};
    },
    [=](const get_analytics_stats& q) -> caf::result<analytics_stats_reply> {
      if (auto bad = analytics_rules::check_window(q.from_us, q.to_us))
        return analytics_stats_reply{bad, {}};
      auto rp = self->make_response_promise<analytics_stats_reply>();
      auto run = [self, d, q, rp]() mutable {
        self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [q](pg::connection& c) {
              return analytics_stats_reply{problem::none(), persistence::analytics_stats(c, q.from_us, q.to_us)};
            }))
          .then([rp](analytics_stats_reply& r) mutable { rp.deliver(std::move(r)); },
                [rp](caf::error&) mutable { rp.deliver(unavailable_reply<analytics_stats_reply>()); });
      };
      auto& st = self->state;
      // Read your writes: every event accepted before this question is stored first.
      if (st.counters.settled >= st.counters.accepted) {
        run();
      } else {
        st.waiters.emplace_back(st.counters.accepted, std::move(run));
        flush(self, d);
      }
      return rp;
    },
    [=](const get_analytics_counters&) -> analytics_counters {
      auto c = self->state.counters;
      c.buffered = static_cast<int64_t>(self->state.held());
      return c;
    },
    [=](const drain_analytics& cmd) -> caf::result<analytics_drain_reply> {
      auto& st = self->state;
      if (st.stopping)  // a second drain: what is still held, at once (the first one finishes the job)
        return analytics_drain_reply{st.counters.settled, static_cast<int64_t>(st.held())};
      st.stopping = true;
      if (st.held() == 0) {
        self->quit();
        return analytics_drain_reply{st.counters.settled, 0};
      }
      st.drain = self->make_response_promise<analytics_drain_reply>();
      auto rp = st.drain;
      self->delayed_send(self, cmd.limit, analytics_drain_deadline{});
      flush(self, d);
      return rp;
    },
    [=](analytics_flush_tick) {
      flush(self, d);
      self->delayed_send(self, d.flush_interval, analytics_flush_tick{});
    },
    [=](analytics_retry_tick) { flush(self, d); },
    [=](analytics_drain_deadline) {
      if (self->state.stopping)
        finish_drain(self);
    },
  };
}

}  // namespace

analytics_api spawn_analytics_writer(caf::actor_system& sys, analytics_deps deps) {
  deps.batch_events = std::max<size_t>(deps.batch_events, 1);
  deps.buffer_events = std::max<size_t>(deps.buffer_events, 1);
  std::vector<int64_t> first;
  try {
    auto lease = deps.db.db->acquire();
    first = persistence::reserve_analytics_ids(*lease, id_block_size(deps));
  } catch (const std::exception& e) {
    spdlog::warn("analytics: no event ids reserved at start ({}); the writer will ask again", e.what());
  }
  return sys.spawn(analytics_writer, std::move(deps), std::move(first));
}

int64_t stop_analytics_writer(caf::actor_system& sys, const analytics_api& writer, std::chrono::milliseconds limit) {
  if (!writer)
    return 0;
  caf::scoped_actor self{sys};
  int64_t lost = -1;
  self->request(writer, limit + std::chrono::seconds(2), drain_analytics{limit})
    .receive(
      [&](analytics_drain_reply& r) {
        lost = r.lost;
        spdlog::info("analytics: writer drained, {} events written in total", r.settled);
      },
      [&](caf::error& e) { spdlog::error("analytics: the writer did not drain: {}", sys.render(e)); });
  return lost;
}

}  // namespace commerce::actors
