// The crypto pool's bounded queue (CRYPTO_QUEUE_LIMIT) and the dropping of jobs whose client
// has given up (issue 8, point 4): a real actor system and blocking pool, no database.
#include "fixture.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

template <class Pred>
bool poll(Pred done, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// A job that holds its worker for `busy`, then answers `true`, counting its runs.
auto slow_job(std::shared_ptr<std::atomic<int>> runs, std::chrono::milliseconds busy) {
  return [runs, busy] {
    std::this_thread::sleep_for(busy);
    ++*runs;
    return true;
  };
}

/// The answer to `job` from `pool`, or nullopt with `err` set.
std::optional<bool> run_on(caf::actor_system& sys, const caf::actor& pool, actors::blocking_job job, caf::error& err) {
  caf::scoped_actor self{sys};
  std::optional<bool> out;
  self->request(pool, 10s, std::move(job))
    .receive([&](bool ok) { out = ok; }, [&](caf::error& e) { err = e; });
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_queue)

BOOST_AUTO_TEST_CASE(a_full_queue_refuses_at_once_and_frees_its_places) {
  actors::job_gate gate{2};
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto far = std::chrono::steady_clock::now() + 10s;
  auto first = actors::admitted_cpu_job(&gate, slow_job(runs, 200ms), {}, far);
  auto second = actors::admitted_cpu_job(&gate, slow_job(runs, 1ms), {}, far);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST(gate.in_queue() == 2u);
  BOOST_TEST(!actors::admitted_cpu_job(&gate, slow_job(runs, 1ms), {}, far).has_value(), "a third job got in");

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  auto pool = actors::spawn_blocking_pool(sys, 1, "crypto");
  {
    caf::error err;
    auto a = std::move(*first), b = std::move(*second);
    first.reset();
    second.reset();
    BOOST_TEST(run_on(sys, pool, std::move(a), err).value_or(false));
    BOOST_TEST(run_on(sys, pool, std::move(b), err).value_or(false));
  }
  BOOST_TEST(runs->load() == 2);
  // Run jobs give their places back (the last copy of each is gone once answered).
  BOOST_TEST(poll([&] { return gate.in_queue() == 0; }), "places still taken: " << gate.in_queue());
  BOOST_TEST(actors::admitted_cpu_job(&gate, slow_job(runs, 1ms), {}, far).has_value());
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(jobs_whose_client_gave_up_are_dropped_unrun) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  auto pool = actors::spawn_blocking_pool(sys, 1, "crypto");
  auto blocker_runs = std::make_shared<std::atomic<int>>(0);
  auto late_runs = std::make_shared<std::atomic<int>>(0);
  auto gone_runs = std::make_shared<std::atomic<int>>(0);

  // A client actor that is gone by the time the worker gets to its job.
  caf::actor_addr gone_client;
  {
    auto client = sys.spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; }, 0);
    gone_client = client.address();
    caf::anon_send_exit(client, caf::exit_reason::user_shutdown);
  }
  BOOST_TEST_REQUIRE(poll([&] { return !caf::actor_cast<caf::actor>(gone_client); }));

  caf::scoped_actor self{sys};
  auto now = std::chrono::steady_clock::now();
  // The single worker is busy for 300 ms; meanwhile the next two jobs' clients give up.
  self->send(pool, actors::blocking_job{[blocker_runs] {
                                          std::this_thread::sleep_for(300ms);
                                          ++*blocker_runs;
                                          return caf::make_message(true);
                                        },
                                        now + 10s});
  auto late = *actors::admitted_cpu_job(nullptr, slow_job(late_runs, 1ms), {}, now + 100ms);
  auto orphan = *actors::admitted_cpu_job(nullptr, slow_job(gone_runs, 1ms), gone_client, now + 10s);
  caf::error late_error, orphan_error;
  std::thread a([&] { run_on(sys, pool, late, late_error); });
  std::thread b([&] { run_on(sys, pool, orphan, orphan_error); });
  a.join();
  b.join();
  BOOST_TEST(late_runs->load() == 0, "a job past its deadline was hashed anyway");
  BOOST_TEST(gone_runs->load() == 0, "a job whose client is gone was hashed anyway");
  BOOST_TEST((late_error == caf::sec::request_timeout));
  BOOST_TEST((orphan_error == caf::sec::request_timeout));
  BOOST_TEST(poll([&] { return blocker_runs->load() == 1; }));
  // A live client's job still runs.
  auto live_runs = std::make_shared<std::atomic<int>>(0);
  caf::error err;
  BOOST_TEST(run_on(sys, pool, *actors::admitted_cpu_job(nullptr, slow_job(live_runs, 1ms), self->address(), now + 10s),
                    err)
               .value_or(false));
  BOOST_TEST(live_runs->load() == 1);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
