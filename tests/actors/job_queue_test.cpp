// Background jobs end to end at the actor level: the job desk stores and queues, the workers
// run handlers. Every scenario runs twice, on the Redis Streams queue and on the PostgreSQL
// queue (the embedded default), through the same function: success, retry with backoff, the
// dead letter, reclaim from a dead consumer, a long job that keeps its claim, a restart. Then
// the task cache (Redis first, PostgreSQL with Redis down) and who may read a task.
#include "actors/job_desk.hpp"
#include "actors/job_workers.hpp"
#include "fixture.hpp"
#include "persistence/task_repository.hpp"

#include <map>
#include <set>

using namespace commerce;
using namespace std::chrono_literals;
using actors::task_status;

namespace {

enum class queue_kind { postgres, redis };

std::string test_redis_url() {
  const char* url = std::getenv("TEST_REDIS_URL");
  if (!url || !*url)
    BOOST_FAIL("TEST_REDIS_URL is not set: run the tests through scripts/test");
  return url;
}

std::string unique_stream() {
  static std::atomic<int> n{0};
  return "test-jobs-" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
}

/// One node's job machinery on the fixture's actor system: a queue factory, the desk, workers.
struct job_env : testing::actor_fixture {
  queue_kind kind;
  std::string stream = unique_stream();
  std::chrono::milliseconds visibility;
  std::string cache_url;  ///< the task cache's Redis (empty: none)
  std::shared_ptr<persistence::job_queue_factory> factory;
  std::shared_ptr<actors::job_registry> handlers = std::make_shared<actors::job_registry>();
  actors::job_desk_api desk;
  std::unique_ptr<actors::job_workers> workers;

  explicit job_env(queue_kind k, std::chrono::milliseconds visibility_timeout = 30s) : kind(k), visibility(visibility_timeout) {
    if (kind == queue_kind::postgres)
      sql("UPDATE tasks SET queued = false WHERE queued");  // earlier tests' leftovers are not ours to run
    else
      cache_url = test_redis_url();
    actors::add_core_jobs(*handlers);
    open_node();
  }
  ~job_env() { workers.reset(); }

  persistence::job_queue_settings queue_settings(const std::string& redis_url) const {
    persistence::job_queue_settings s;
    s.redis_url = redis_url;
    s.db = db;
    s.stream = stream;
    s.visibility_timeout = visibility;
    s.poll_interval = 50ms;
    return s;
  }

  /// A fresh factory and desk, as a restarted node has.
  void open_node() {
    factory = persistence::make_job_queue_factory(queue_settings(kind == queue_kind::redis ? test_redis_url() : ""));
    desk = actors::spawn_job_desk(*sys, actors::job_desk_deps{{db, db_workers, 10s}, factory, cache_url});
    spawned.push_back(caf::actor_cast<caf::actor>(desk));
  }

  void start_workers(int concurrency = 2, int max_attempts = 5) {
    actors::job_worker_settings s;
    s.concurrency = concurrency;
    s.max_attempts = max_attempts;
    s.retry_base = 20ms;
    s.retry_max = 100ms;
    s.visibility_timeout = visibility;
    s.take_wait = 200ms;
    workers = std::make_unique<actors::job_workers>(*sys, actors::job_worker_deps{db, factory, handlers, cache_url}, s);
    workers->start();
  }

  actors::task_reply enqueue(const std::string& type, std::optional<int64_t> owner = std::nullopt,
                             const std::string& payload = "{}") {
    return ask<actors::task_reply>(desk, actors::enqueue_job{type, payload, owner});
  }
  actors::task_reply read(const std::string& id, actors::requester who) {
    return ask<actors::task_reply>(desk, actors::get_task{id, who});
  }

  /// The durable record (PostgreSQL), polled until it is finished or `limit` passes.
  actors::task_record wait_finished(const std::string& id, std::chrono::milliseconds limit = 15s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      std::optional<persistence::stored_task> t;
      {
        auto c = db->acquire();
        t = persistence::find_task(*c, id);
      }
      BOOST_TEST_REQUIRE(t.has_value());
      if (domain::finished(t->task.status) || std::chrono::steady_clock::now() > deadline)
        return t->task;
      std::this_thread::sleep_for(20ms);
    }
  }

  int64_t dead_letters() { return factory->make()->stats().dead; }
};

/// Counts a handler's runs per job.
struct run_counter {
  std::mutex mtx;
  std::map<std::string, int> runs;
  int add(const std::string& id) {
    std::lock_guard<std::mutex> lock{mtx};
    return ++runs[id];
  }
  int of(const std::string& id) {
    std::lock_guard<std::mutex> lock{mtx};
    return runs[id];
  }
};

}  // namespace

// A scenario, run once per queue implementation.
#define ON_BOTH_QUEUES(name)                                          \
  void name(queue_kind kind);                                         \
  BOOST_AUTO_TEST_CASE(name##_on_postgres) { name(queue_kind::postgres); } \
  BOOST_AUTO_TEST_CASE(name##_on_redis) { name(queue_kind::redis); }  \
  void name(queue_kind kind)

BOOST_AUTO_TEST_SUITE(background_jobs)

ON_BOTH_QUEUES(a_job_runs_to_success) {
  job_env env{kind};
  auto owner = env.insert_user(testing::unique_email("jobs"));
  env.start_workers();
  auto queued = env.enqueue(actors::job_types::noop, owner);
  BOOST_TEST_REQUIRE(!queued.error);
  BOOST_TEST(persistence::is_uuid(queued.task.id));
  BOOST_TEST((queued.task.status == task_status::pending));
  auto done = env.wait_finished(queued.task.id);
  BOOST_TEST((done.status == task_status::success), to_string(done.status));
  BOOST_TEST(done.result.value_or("") == "{}");
  BOOST_TEST(!done.error.has_value());
  BOOST_TEST(done.attempts == 1);
  BOOST_TEST(done.started_at.has_value());
  BOOST_TEST(done.finished_at.has_value());
  auto read = env.read(queued.task.id, {owner, false});
  BOOST_TEST_REQUIRE(!read.error);
  BOOST_TEST((read.task.status == task_status::success));
}

ON_BOTH_QUEUES(a_failing_job_is_retried_with_backoff_until_it_succeeds) {
  job_env env{kind};
  auto runs = std::make_shared<run_counter>();
  env.handlers->add(actors::job_types::send_notification, [runs](const actors::job& j, caf::scoped_actor&) {
    auto n = runs->add(j.id);
    BOOST_CHECK_EQUAL(j.attempt, n);  // the attempt number the handler sees counts its runs
    if (n == 1)
      throw std::runtime_error("connection reset");  // an exception counts as a transient failure
    if (n == 2)
      return actors::job_outcome::retry_later("gateway answered 503");
    return actors::job_outcome::ok(R"({"sent":true})");
  });
  env.start_workers();
  auto queued = env.enqueue(actors::job_types::send_notification);
  BOOST_TEST_REQUIRE(!queued.error);
  auto done = env.wait_finished(queued.task.id);
  BOOST_TEST((done.status == task_status::success), to_string(done.status) << " " << done.error.value_or(""));
  BOOST_TEST(done.attempts == 3);
  BOOST_TEST(runs->of(queued.task.id) == 3);
  BOOST_TEST(done.result.value_or("") == R"({"sent": true})");
  BOOST_TEST(!done.error.has_value());  // the success clears the last attempt's error
}

ON_BOTH_QUEUES(a_job_failing_every_attempt_goes_to_the_dead_letter_with_its_last_error) {
  job_env env{kind};
  auto runs = std::make_shared<run_counter>();
  env.handlers->add(actors::job_types::send_notification, [runs](const actors::job& j, caf::scoped_actor&) {
    return actors::job_outcome::retry_later("gateway down #" + std::to_string(runs->add(j.id)));
  });
  env.handlers->add(actors::job_types::process_order, [runs](const actors::job& j, caf::scoped_actor&) {
    runs->add(j.id);
    return actors::job_outcome::failed("order is cancelled");
  });
  auto dead_before = env.dead_letters();
  env.start_workers(2, 3);
  auto flaky = env.enqueue(actors::job_types::send_notification);
  auto refused = env.enqueue(actors::job_types::process_order);
  BOOST_TEST_REQUIRE(!flaky.error);
  BOOST_TEST_REQUIRE(!refused.error);

  auto done = env.wait_finished(flaky.task.id);
  BOOST_TEST((done.status == task_status::failure), to_string(done.status));
  BOOST_TEST(done.attempts == 3);  // JOB_MAX_ATTEMPTS
  BOOST_TEST(done.error.value_or("") == "gateway down #3");
  BOOST_TEST(done.finished_at.has_value());

  auto final_failure = env.wait_finished(refused.task.id);  // failed(): no retry
  BOOST_TEST((final_failure.status == task_status::failure));
  BOOST_TEST(final_failure.attempts == 1);
  BOOST_TEST(final_failure.error.value_or("") == "order is cancelled");

  std::this_thread::sleep_for(300ms);  // the dead letter follows the task's FAILURE
  BOOST_TEST(env.dead_letters() == dead_before + 2);
  BOOST_TEST(runs->of(flaky.task.id) == 3);
  BOOST_TEST(runs->of(refused.task.id) == 1);
  if (kind == queue_kind::redis) {
    persistence::redis_client redis{persistence::parse_redis_url(test_redis_url())};
    auto dead = redis.command({"XRANGE", env.stream + ":dead", "-", "+"});
    std::map<std::string, std::string> errors;
    for (const auto& entry : dead.elements) {
      std::map<std::string, std::string> f;
      for (size_t i = 0; i + 1 < entry.elements[1].elements.size(); i += 2)
        f[entry.elements[1].elements[i].text] = entry.elements[1].elements[i + 1].text;
      errors[f["id"]] = f["error"];
    }
    BOOST_TEST(errors[flaky.task.id] == "gateway down #3");
    BOOST_TEST(errors[refused.task.id] == "order is cancelled");
  } else {
    BOOST_TEST(env.scalar("SELECT count(*) FROM tasks WHERE dead_letter AND NOT queued AND id = ANY($1::uuid[])",
                          {"{" + flaky.task.id + "," + refused.task.id + "}"}) == 2);
  }
}

ON_BOTH_QUEUES(a_job_held_by_a_dead_consumer_is_reclaimed_after_the_visibility_timeout) {
  job_env env{kind, 400ms};
  auto runs = std::make_shared<run_counter>();
  env.handlers->add(actors::job_types::sync_inventory, [runs](const actors::job& j, caf::scoped_actor&) {
    runs->add(j.id);
    return actors::job_outcome::ok();
  });
  auto queued = env.enqueue(actors::job_types::sync_inventory);
  BOOST_TEST_REQUIRE(!queued.error);
  {
    // A worker takes the job and dies: no ack, no retry, its connection gone.
    auto dying = env.factory->make();
    auto taken = dying->take(5s);
    BOOST_TEST_REQUIRE(taken.has_value());
    BOOST_TEST(taken->job.id == queued.task.id);
  }
  env.start_workers();
  auto done = env.wait_finished(queued.task.id);
  BOOST_TEST((done.status == task_status::success), to_string(done.status));
  BOOST_TEST(runs->of(queued.task.id) == 1);
}

ON_BOTH_QUEUES(a_job_whose_workers_keep_dying_is_given_up_after_the_maximum_attempts) {
  job_env env{kind, 300ms};
  auto runs = std::make_shared<run_counter>();
  env.handlers->add(actors::job_types::sync_inventory, [runs](const actors::job& j, caf::scoped_actor&) {
    runs->add(j.id);
    return actors::job_outcome::ok();
  });
  auto queued = env.enqueue(actors::job_types::sync_inventory);
  BOOST_TEST_REQUIRE(!queued.error);
  for (int death = 0; death < 2; ++death) {
    // A worker takes the job, marks it STARTED as workers do, and dies mid-job.
    auto dying = env.factory->make();
    std::optional<persistence::taken_job> taken;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!taken && std::chrono::steady_clock::now() < deadline)
      taken = dying->take(200ms);
    BOOST_TEST_REQUIRE(taken.has_value());
    auto c = env.db->acquire();
    BOOST_TEST_REQUIRE(persistence::mark_task_started(*c, taken->job.id).has_value());
  }
  env.start_workers(2, 2);
  auto done = env.wait_finished(queued.task.id);
  BOOST_TEST((done.status == task_status::failure), to_string(done.status));
  BOOST_TEST(done.error.value_or("").find("gave up after 2 attempts") != std::string::npos, done.error.value_or(""));
  BOOST_TEST(runs->of(queued.task.id) == 0);
}

ON_BOTH_QUEUES(a_job_running_longer_than_the_visibility_timeout_keeps_its_claim) {
  job_env env{kind, 300ms};
  auto runs = std::make_shared<run_counter>();
  env.handlers->add(actors::job_types::sync_inventory, [runs](const actors::job& j, caf::scoped_actor&) {
    runs->add(j.id);
    std::this_thread::sleep_for(1500ms);  // five visibility timeouts
    return actors::job_outcome::ok();
  });
  env.start_workers(3);
  auto queued = env.enqueue(actors::job_types::sync_inventory);
  BOOST_TEST_REQUIRE(!queued.error);
  auto done = env.wait_finished(queued.task.id);
  BOOST_TEST((done.status == task_status::success));
  std::this_thread::sleep_for(500ms);
  BOOST_TEST(runs->of(queued.task.id) == 1);  // the idle workers never took it over
  BOOST_TEST(done.attempts == 1);
}

ON_BOTH_QUEUES(a_restart_loses_no_pending_job) {
  job_env env{kind};
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto queued = env.enqueue(actors::job_types::noop);
    BOOST_TEST_REQUIRE(!queued.error);
    ids.push_back(queued.task.id);
  }
  // The node stops before any worker ran them; a new one (new queue objects) starts.
  caf::anon_send_exit(env.desk, caf::exit_reason::user_shutdown);
  env.factory.reset();
  env.open_node();
  env.start_workers();
  for (const auto& id : ids) {
    auto done = env.wait_finished(id);
    BOOST_TEST((done.status == task_status::success), id << " " << to_string(done.status));
  }
}

BOOST_AUTO_TEST_CASE(retry_delays_grow_exponentially_with_full_jitter) {
  std::mt19937_64 rng{42};
  std::map<int, int64_t> longest;
  for (int attempt = 1; attempt <= 8; ++attempt)
    for (int i = 0; i < 2000; ++i) {
      auto d = actors::retry_delay(attempt, 100ms, 3000ms, rng).count();
      BOOST_TEST_REQUIRE(d >= 0);
      BOOST_TEST_REQUIRE(d <= std::min<int64_t>(100 << (attempt - 1), 3000), attempt);
      longest[attempt] = std::max(longest[attempt], d);
    }
  BOOST_TEST(longest[1] > 80);    // the whole range is used
  BOOST_TEST(longest[3] > 320);   // 400 ms cap
  BOOST_TEST(longest[8] > 2500);  // capped at JOB_RETRY_MAX_MS
}

BOOST_AUTO_TEST_CASE(task_reads_come_from_the_redis_hash_first) {
  job_env env{queue_kind::redis};
  auto owner = env.insert_user(testing::unique_email("cache"));
  env.start_workers();
  auto queued = env.enqueue(actors::job_types::noop, owner);
  BOOST_TEST_REQUIRE(!queued.error);
  env.wait_finished(queued.task.id);
  std::this_thread::sleep_for(100ms);
  persistence::redis_client redis{persistence::parse_redis_url(test_redis_url())};
  auto ttl = redis.command({"TTL", "task:" + queued.task.id});
  BOOST_TEST(ttl.integer > 23 * 3600);
  // A change made behind the cache's back is not seen while the hash lives...
  env.sql("UPDATE tasks SET error = 'written behind the cache' WHERE id = $1::uuid", {queued.task.id});
  auto cached = env.read(queued.task.id, {owner, false});
  BOOST_TEST_REQUIRE(!cached.error);
  BOOST_TEST((cached.task.status == task_status::success));
  BOOST_TEST(!cached.task.error.has_value());
  BOOST_TEST(cached.task.result.value_or("") == "{}");
  BOOST_TEST(*cached.task.owner_user_id == owner);
  // ...and once it is gone, PostgreSQL answers (and fills the hash again).
  redis.command({"DEL", "task:" + queued.task.id});
  auto durable = env.read(queued.task.id, {owner, false});
  BOOST_TEST(durable.task.error.value_or("") == "written behind the cache");
  BOOST_TEST(redis.command({"EXISTS", "task:" + queued.task.id}).integer == 1);
}

BOOST_AUTO_TEST_CASE(with_the_cache_down_postgresql_serves_task_reads) {
  job_env env{queue_kind::postgres};
  env.cache_url = "unix:///nonexistent/redis.sock";  // the cache's Redis is down
  env.open_node();
  env.start_workers();
  auto owner = env.insert_user(testing::unique_email("nocache"));
  auto queued = env.enqueue(actors::job_types::noop, owner);
  BOOST_TEST_REQUIRE(!queued.error);
  env.wait_finished(queued.task.id);
  auto read = env.read(queued.task.id, {owner, false});
  BOOST_TEST_REQUIRE(!read.error);
  BOOST_TEST((read.task.status == task_status::success));
}

BOOST_AUTO_TEST_CASE(an_unreachable_queue_fails_the_task_instead_of_leaving_it_pending) {
  job_env env{queue_kind::postgres};
  auto owner = env.insert_user(testing::unique_email("noqueue"));
  auto settings = env.queue_settings("unix:///nonexistent/redis.sock");
  env.factory = persistence::make_job_queue_factory(settings);
  env.desk = actors::spawn_job_desk(*env.sys, actors::job_desk_deps{{env.db, env.db_workers, 10s}, env.factory, ""});
  env.spawned.push_back(caf::actor_cast<caf::actor>(env.desk));
  auto r = env.enqueue(actors::job_types::noop, owner);
  BOOST_TEST((r.error.code == testing::error_code::service_unavailable));
  BOOST_TEST(env.scalar("SELECT count(*) FROM tasks WHERE owner_user_id = $1::bigint AND status = 'FAILURE' "
                        "AND error = 'the job queue was unavailable'",
                        {std::to_string(owner)}) == 1);
  BOOST_TEST(env.scalar("SELECT count(*) FROM tasks WHERE owner_user_id = $1::bigint AND status = 'PENDING'",
                        {std::to_string(owner)}) == 0);
}

BOOST_AUTO_TEST_CASE(an_unknown_job_type_is_refused) {
  job_env env{queue_kind::postgres};
  auto r = env.enqueue("no.such.job");
  BOOST_TEST((r.error.code == testing::error_code::internal_error));
}

BOOST_AUTO_TEST_CASE(only_the_owner_and_staff_read_a_task) {
  job_env env{queue_kind::postgres};
  auto owner = env.insert_user(testing::unique_email("owner"));
  auto other = env.insert_user(testing::unique_email("other"));
  auto mine = env.enqueue(actors::job_types::noop, owner);
  auto system = env.enqueue(actors::job_types::noop);  // a beat's job: no owner
  BOOST_TEST_REQUIRE(!mine.error);
  BOOST_TEST_REQUIRE(!system.error);
  BOOST_TEST(!env.read(mine.task.id, {owner, false}).error);
  BOOST_TEST(!env.read(mine.task.id, {other, true}).error);  // staff
  BOOST_TEST((env.read(mine.task.id, {other, false}).error.code == testing::error_code::not_found));
  BOOST_TEST((env.read(system.task.id, {owner, false}).error.code == testing::error_code::not_found));
  BOOST_TEST(!env.read(system.task.id, {other, true}).error);
  BOOST_TEST((env.read("0f8fad5b-d9cb-469f-a165-70867728950e", {other, true}).error.code ==
              testing::error_code::not_found));
  BOOST_TEST((env.read("not-a-uuid'; --", {other, true}).error.code == testing::error_code::not_found));
}

BOOST_AUTO_TEST_SUITE_END()
