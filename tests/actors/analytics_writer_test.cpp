// The analytics writer (actors/analytics.hpp): events get ids at once, are written in batches of
// at most ANALYTICS_BATCH_EVENTS (or every ANALYTICS_FLUSH_MS), wait in a bounded buffer (full:
// 503), are retried after a transient database error, and are all written when it is drained.
#include "fixture.hpp"

#include "actors/analytics.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

struct writer_fixture : actor_fixture {
  actors::analytics_api writer(std::chrono::milliseconds flush, size_t batch, size_t buffer,
                               std::shared_ptr<pg::pool> pool = nullptr, std::chrono::milliseconds timeout = 10s) {
    actors::analytics_deps d{actors::db_access{pool ? pool : db, db_workers, timeout}, flush, batch, buffer};
    auto w = actors::spawn_analytics_writer(*sys, d);
    spawned.push_back(caf::actor_cast<caf::actor>(w));
    return w;
  }

  actors::track_reply track(const actors::analytics_api& w, const std::string& type = "page_view") {
    return ask<actors::track_reply>(w, actors::track_event{type, std::nullopt, std::nullopt, R"({"type":")" + type + "\"}"});
  }

  actors::analytics_counters counters(const actors::analytics_api& w) {
    return ask<actors::analytics_counters>(w, actors::get_analytics_counters{});
  }

  /// Polls the counters until `done` holds or 10 s pass.
  template <class Pred>
  actors::analytics_counters wait_counters(const actors::analytics_api& w, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    auto c = counters(w);
    while (!done(c) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
      c = counters(w);
    }
    return c;
  }

  int64_t stored(const std::vector<int64_t>& ids) {
    std::string list = "{";
    for (size_t i = 0; i < ids.size(); ++i)
      list += (i ? "," : "") + std::to_string(ids[i]);
    return scalar("SELECT count(*) FROM analytics_events WHERE id = ANY($1::bigint[])", {list + "}"});
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(analytics_writer, writer_fixture)

BOOST_AUTO_TEST_CASE(the_buffer_is_bounded_and_a_drain_writes_everything) {
  auto w = writer(1h, 1000, 10);  // neither the timer nor the batch size will flush
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    auto r = track(w);
    BOOST_TEST_REQUIRE(!r.error, r.error.message);
    ids.push_back(r.id);
  }
  BOOST_TEST(std::set<int64_t>(ids.begin(), ids.end()).size() == 10u, "ids are unique");
  auto refused = track(w);
  BOOST_TEST((refused.error.code == error_code::service_unavailable), refused.error.message);
  auto c = counters(w);
  BOOST_TEST(c.accepted == 10);
  BOOST_TEST(c.buffered == 10);
  BOOST_TEST(c.settled == 0);
  BOOST_TEST(stored(ids) == 0);
  BOOST_TEST(actors::stop_analytics_writer(*sys, w, 10s) == 0);
  BOOST_TEST(stored(ids) == 10);
  // Stopped: no more events are taken.
  caf::scoped_actor self{*sys};
  bool failed = false;
  self->request(w, 2s, actors::track_event{"page_view", std::nullopt, std::nullopt, "{}"})
    .receive([&](actors::track_reply& r) { failed = r.error.code == error_code::service_unavailable; },
             [&](caf::error&) { failed = true; });
  BOOST_TEST(failed);
}

BOOST_AUTO_TEST_CASE(a_full_batch_is_written_at_once_in_one_insert) {
  auto w = writer(1h, 5, 100);
  std::vector<int64_t> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(track(w).id);
  auto c = wait_counters(w, [](const auto& c) { return c.settled >= 10; });
  BOOST_TEST(c.settled == 10);
  BOOST_TEST(c.batches == 2);
  BOOST_TEST(c.buffered == 2);
  std::this_thread::sleep_for(200ms);
  BOOST_TEST(counters(w).settled == 10, "the last two wait for the timer");
  BOOST_TEST(stored(ids) == 10);
  // A statistics question first writes what the writer holds (read your writes).
  auto s = ask<actors::analytics_stats_reply>(w, actors::get_analytics_stats{});
  BOOST_TEST(!s.error);
  c = counters(w);
  BOOST_TEST(c.settled == 12);
  BOOST_TEST(c.batches == 3);
  BOOST_TEST(stored(ids) == 12);
}

BOOST_AUTO_TEST_CASE(the_timer_flushes_a_partial_batch) {
  auto w = writer(50ms, 1000, 100);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(track(w, "add_to_cart").id);
  auto c = wait_counters(w, [](const auto& c) { return c.settled == 3; });
  BOOST_TEST(c.settled == 3);
  BOOST_TEST(c.batches == 1);
  BOOST_TEST(stored(ids) == 3);
}

BOOST_AUTO_TEST_CASE(a_transient_database_error_is_retried) {
  // Statements on the writer's pool give up after 300 ms; the table is locked for longer.
  auto slow = pg::pool::open(test_database_url(), 2, 300ms);
  auto w = writer(50ms, 1000, 100, slow, 5s);
  std::vector<int64_t> ids;
  {
    pg::connection locker{test_database_url()};
    pg::transaction tx{locker};
    tx.exec("LOCK TABLE analytics_events IN ACCESS EXCLUSIVE MODE");
    for (int i = 0; i < 3; ++i) {
      auto r = track(w, "purchase");
      BOOST_TEST_REQUIRE(!r.error, r.error.message);
      ids.push_back(r.id);
    }
    auto c = wait_counters(w, [](const auto& c) { return c.retries >= 2; });
    BOOST_TEST(c.retries >= 2);
    BOOST_TEST(c.settled == 0);
    tx.commit();
  }
  auto c = wait_counters(w, [](const auto& c) { return c.settled == 3; });
  BOOST_TEST(c.settled == 3);
  BOOST_TEST(c.refused == 0);
  BOOST_TEST(stored(ids) == 3);
}

BOOST_AUTO_TEST_CASE(a_bad_type_is_refused_before_the_buffer) {
  auto w = writer(50ms, 1000, 100);
  auto r = track(w, "Not-A-Type");
  BOOST_TEST((r.error.code == error_code::validation_error));
  BOOST_TEST(r.error.fields.count("type") == 1u);
  BOOST_TEST(counters(w).accepted == 0);
}

BOOST_AUTO_TEST_SUITE_END()
