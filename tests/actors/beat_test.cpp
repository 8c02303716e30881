// The beat on the throwaway Redis and PostgreSQL, firing into a recording job desk (a test
// double of core's job desk): one leader fires, a killed leader's lock expires and another beat
// takes over within the TTL, a clean stop hands over at once, the durable slots never fire one
// slot twice even with two leaders, a new leader goes on with the schedule, and without Redis a
// PostgreSQL advisory lock elects the leader.
#include "actors/beat.hpp"
#include "fixture.hpp"
#include "persistence/redis_client.hpp"

#include <map>
#include <mutex>
#include <set>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

std::string test_redis_url() {
  const char* url = std::getenv("TEST_REDIS_URL");
  if (!url || !*url)
    BOOST_FAIL("TEST_REDIS_URL is not set: run the tests through scripts/test");
  return url;
}

/// What a recording desk was asked to enqueue.
struct desk_log {
  std::mutex mtx;
  std::vector<actors::enqueue_job> jobs;

  size_t size() {
    std::lock_guard<std::mutex> guard{mtx};
    return jobs.size();
  }
  /// The slots fired, from the payloads ({"schedule":..., "slot":...}).
  std::vector<std::string> slots() {
    std::lock_guard<std::mutex> guard{mtx};
    std::vector<std::string> out;
    for (const auto& j : jobs) {
      auto at = j.payload.find("\"slot\":\"");
      out.push_back(at == std::string::npos ? j.payload : j.payload.substr(at + 8, 20));
    }
    return out;
  }
};

/// A job desk that records every enqueue and answers with a task id.
actors::job_desk_api::behavior_type recording_desk(actors::job_desk_api::pointer, std::shared_ptr<desk_log> log) {
  return {
    [log](const actors::enqueue_job& cmd) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->jobs.push_back(cmd);
      actors::task_reply r;
      r.task.id = "task-" + std::to_string(log->jobs.size());
      r.task.type = cmd.type;
      return r;
    },
    [](const actors::get_task&) { return actors::task_reply{actors::problem::not_found("no such task"), {}}; },
  };
}

std::string unique_tag(const std::string& what) {
  static std::atomic<int> n{0};
  return what + "-" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
}

struct beat_fixture : actor_fixture {
  std::vector<caf::actor> beats;

  ~beat_fixture() {
    for (auto& b : beats)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }

  struct started {
    caf::actor beat;
    std::shared_ptr<desk_log> log = std::make_shared<desk_log>();
  };

  started beat(const std::string& schedule, const std::string& lock_key, const std::string& redis_url,
               std::chrono::milliseconds ttl, const std::string& node) {
    started s;
    auto desk = sys->spawn(recording_desk, s.log);
    spawned.push_back(caf::actor_cast<caf::actor>(desk));
    actors::beat_deps d;
    d.database = test_database_url();
    d.redis_url = redis_url;
    d.jobs = desk;
    d.schedule = domain::parse_beat_schedule(schedule);
    d.lock_ttl = ttl;
    d.node_id = node;
    d.lock_key = lock_key;
    s.beat = actors::spawn_beat(*sys, d);
    beats.push_back(s.beat);
    return s;
  }

  bool leads(const caf::actor& beat) {
    caf::scoped_actor self{*sys};
    bool out = false;
    self->request(beat, 5s, actors::beat_leader_atom::value)
      .receive([&](bool b) { out = b; }, [&](caf::error& e) { BOOST_FAIL("the beat did not answer: " << sys->render(e)); });
    return out;
  }

  template <class Pred>
  bool eventually(Pred done, std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  /// The entry's stored next slot, as Unix seconds.
  int64_t next_run(const std::string& name) {
    return scalar("SELECT extract(epoch FROM next_run_at)::bigint FROM beat_schedule WHERE name = $1", {name});
  }
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(beat, beat_fixture)

BOOST_AUTO_TEST_CASE(one_leader_fires_and_a_killed_leader_is_replaced_within_the_ttl) {
  auto redis = test_redis_url();
  auto key = unique_tag("beat-lock");
  auto name = unique_tag("tick");
  auto schedule = name + "=noop@every:1s";
  const auto ttl = 1500ms;
  auto a = beat(schedule, key, redis, ttl, "node-a");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(a.beat); }, 5s), "the first beat never led");
  auto b = beat(schedule, key, redis, ttl, "node-b");
  std::this_thread::sleep_for(3s);
  BOOST_TEST(!leads(b.beat));
  BOOST_TEST(a.log->size() >= 2u, "the leader fired " << a.log->size() << " times in 3 s");
  BOOST_TEST(b.log->size() == 0u, "the follower fired");
  {
    std::lock_guard<std::mutex> guard{a.log->mtx};
    BOOST_TEST(a.log->jobs[0].type == "noop");
    BOOST_TEST(!a.log->jobs[0].owner_user_id.has_value(), "a beat's job has no owner");
    BOOST_TEST(a.log->jobs[0].payload.find("\"schedule\":\"" + name + "\"") != std::string::npos, a.log->jobs[0].payload);
  }

  // The leader dies without a word (kill: no clean stop, no lock release): its lock expires and
  // the other beat fires within the TTL (plus a tick and the next 1 s slot).
  auto fired_before = a.log->size();
  caf::anon_send_exit(a.beat, caf::exit_reason::kill);
  auto killed = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(eventually([&] { return b.log->size() > 0; }, 10s), "no beat took over");
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  BOOST_TEST_MESSAGE("the follower fired " << took.count() << " ms after the leader was killed");
  BOOST_TEST((took < ttl + 2500ms), "takeover took " << took.count() << " ms with a " << ttl.count() << " ms TTL");
  BOOST_TEST(a.log->size() <= fired_before + 1);

  // Between them, no slot fired twice.
  auto slots = a.log->slots();
  auto more = b.log->slots();
  slots.insert(slots.end(), more.begin(), more.end());
  std::set<std::string> distinct(slots.begin(), slots.end());
  BOOST_TEST(distinct.size() == slots.size(), "a slot fired twice");
}

BOOST_AUTO_TEST_CASE(a_clean_stop_hands_the_lead_over_at_once) {
  auto redis = test_redis_url();
  auto key = unique_tag("beat-lock");
  auto schedule = unique_tag("tick") + "=noop@every:1h";
  const auto ttl = 20000ms;  // far longer than the handover may take
  auto a = beat(schedule, key, redis, ttl, "node-a");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(a.beat); }, 5s));
  auto b = beat(schedule, key, redis, ttl, "node-b");
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(!leads(b.beat));
  persistence::redis_client probe{persistence::parse_redis_url(redis)};
  BOOST_TEST(probe.eval_integer("return redis.call('PTTL', KEYS[1])", {key}, {}) > 0, "the lock has an expiry");

  caf::anon_send_exit(a.beat, caf::exit_reason::user_shutdown);
  auto stopped = std::chrono::steady_clock::now();
  BOOST_TEST_REQUIRE(eventually([&] { return leads(b.beat); }, 5s), "the lead was not handed over");
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopped);
  BOOST_TEST((took < 3000ms), "handover took " << took.count() << " ms");
}

BOOST_AUTO_TEST_CASE(durable_slots_never_fire_twice_even_with_two_leaders) {
  // Two beats on different lock keys both lead, as two would during a lock expiry race: the
  // conditional UPDATE of each slot lets one of them fire it.
  auto redis = test_redis_url();
  auto schedule = unique_tag("tick") + "=noop@every:1s";
  auto a = beat(schedule, unique_tag("beat-lock"), redis, 3000ms, "node-a");
  auto b = beat(schedule, unique_tag("beat-lock"), redis, 3000ms, "node-b");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(a.beat) && leads(b.beat); }, 5s));
  std::this_thread::sleep_for(4500ms);
  auto slots = a.log->slots();
  auto more = b.log->slots();
  slots.insert(slots.end(), more.begin(), more.end());
  std::set<std::string> distinct(slots.begin(), slots.end());
  BOOST_TEST(slots.size() >= 3u, "only " << slots.size() << " slots fired in 4.5 s");
  BOOST_TEST(distinct.size() == slots.size(), "a slot fired twice: " << slots.size() << " fired, " << distinct.size()
                                                                      << " distinct");
}

BOOST_AUTO_TEST_CASE(a_new_leader_goes_on_with_the_schedule_and_an_overdue_slot_fires_once) {
  auto redis = test_redis_url();
  auto name = unique_tag("hourly");
  auto schedule = name + "=noop@every:1h";
  auto key = unique_tag("beat-lock");
  auto a = beat(schedule, key, redis, 2000ms, "node-a");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(a.beat); }, 5s));
  BOOST_TEST_REQUIRE(eventually([&] { return scalar("SELECT count(*) FROM beat_schedule WHERE name = $1", {name}) == 1; }, 5s));
  auto slot = next_run(name);
  BOOST_TEST(slot > unix_now());
  BOOST_TEST(slot % 3600 == 0);
  caf::anon_send_exit(a.beat, caf::exit_reason::user_shutdown);

  // A new leader keeps the stored slot: nothing fires now.
  auto b = beat(schedule, key, redis, 2000ms, "node-b");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(b.beat); }, 5s));
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(a.log->size() + b.log->size() == 0u, "a new leader fired at once");
  BOOST_TEST(next_run(name) == slot);

  // A slot missed for a day (no beat ran) fires once, not once per missed hour, and the next
  // slot is the first after now.
  caf::anon_send_exit(b.beat, caf::exit_reason::user_shutdown);
  std::this_thread::sleep_for(500ms);
  sql("UPDATE beat_schedule SET next_run_at = now() - interval '1 day' WHERE name = $1", {name});
  auto c = beat(schedule, key, redis, 2000ms, "node-c");
  BOOST_TEST_REQUIRE(eventually([&] { return c.log->size() == 1; }, 5s), "the overdue slot did not fire");
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(c.log->size() == 1u);
  BOOST_TEST(next_run(name) > unix_now());
  BOOST_TEST(scalar("SELECT count(*) FROM beat_schedule WHERE name = $1 AND last_task_id = 'task-1'", {name}) == 1);
}

BOOST_AUTO_TEST_CASE(without_redis_a_postgresql_advisory_lock_elects_the_leader) {
  auto key = unique_tag("beat-advisory");
  auto schedule = unique_tag("tick") + "=noop@every:1s";
  auto a = beat(schedule, key, "", 1500ms, "node-a");
  BOOST_TEST_REQUIRE(eventually([&] { return leads(a.beat); }, 5s));
  auto b = beat(schedule, key, "", 1500ms, "node-b");
  std::this_thread::sleep_for(2500ms);
  BOOST_TEST(!leads(b.beat));
  BOOST_TEST(b.log->size() == 0u);
  BOOST_TEST(a.log->size() >= 1u);
  // A dead leader's session ends, and its advisory lock with it.
  caf::anon_send_exit(a.beat, caf::exit_reason::kill);
  BOOST_TEST(eventually([&] { return b.log->size() > 0; }, 5s), "no beat took over");
}

BOOST_AUTO_TEST_CASE(a_beat_without_periodic_jobs_leaves_the_lead_to_others) {
  auto redis = test_redis_url();
  auto key = unique_tag("beat-lock");
  auto idle = beat("none", key, redis, 1500ms, "node-idle");
  std::this_thread::sleep_for(700ms);
  auto busy = beat(unique_tag("tick") + "=noop@every:1s", key, redis, 1500ms, "node-busy");
  BOOST_TEST(eventually([&] { return leads(busy.beat); }, 3s), "a beat with nothing to fire held the lead");
  BOOST_TEST(!leads(idle.beat));
}

BOOST_AUTO_TEST_CASE(the_default_schedule_names_every_periodic_job_and_unknown_types_are_refused) {
  auto entries = actors::beat_schedule_of("", 7);
  std::map<std::string, std::string> by_type;
  for (const auto& e : entries)
    by_type[e.job_type] = e.when;
  for (const char* type : {actors::job_types::release_reservations, actors::job_types::reconcile_payments,
                           actors::job_types::poll_pending_payments, actors::job_types::refresh_tracking,
                           actors::job_types::remind_abandoned_carts, actors::job_types::sync_inventory,
                           actors::job_types::deliver_outbox})
    BOOST_TEST(by_type.count(type) == 1u, type << " is not in the default schedule");
  BOOST_TEST(by_type[actors::job_types::release_reservations] == "every:7s");
  // The outbox is drained within seconds even when registration's own enqueue was lost.
  BOOST_TEST(by_type[actors::job_types::deliver_outbox] == "every:10s");
  BOOST_CHECK_THROW(actors::beat_schedule_of("x=order.process@every:1m", 30), std::invalid_argument);
  BOOST_CHECK_THROW(actors::beat_schedule_of("x=no.such@every:1m", 30), std::invalid_argument);
  BOOST_TEST(actors::beat_schedule_of("x=noop@every:1m", 30).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
