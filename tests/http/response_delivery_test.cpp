// Every answer sent from an actor's thread reaches its client (http/pistache_compat.hpp,
// write_queue_waker). Pistache 0.0.5 can strand a response queued from another thread until the
// next response is queued on the same I/O thread. Under steady traffic that comes within
// microseconds; here, rounds of simultaneous requests each wait for all their answers, so no
// later request comes to wake the I/O thread and a stranded answer is a client timeout (CI saw
// it as 2 GETs out of 10,000 timing out after 20 s).
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// Lets `parties` threads into each round together, until `until` has passed.
class rounds {
public:
  rounds(int parties, std::chrono::steady_clock::time_point until) : parties_(parties), until_(until) {}
  /// Waits for every party to finish the round; false once the time is up.
  bool next() {
    std::unique_lock<std::mutex> lock{m_};
    auto round = round_;
    if (++arrived_ == parties_) {
      arrived_ = 0;
      ++round_;
      over_ = std::chrono::steady_clock::now() >= until_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
    return !over_;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  const int parties_;
  const std::chrono::steady_clock::time_point until_;
  int arrived_ = 0;
  int64_t round_ = 0;
  bool over_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(response_delivery)

BOOST_AUTO_TEST_CASE(answers_sent_from_actor_threads_are_never_stranded) {
  // One I/O thread: every connection's answer goes through the same write queue.
  server_process server{env_overrides{{"HTTP_THREADS", std::string{"1"}}}};
  constexpr int connections = 8;
  rounds gate{connections, std::chrono::steady_clock::now() + 20s};
  std::atomic<int64_t> answered{0}, lost{0};
  std::mutex m;
  std::string first_lost;
  std::vector<std::thread> pool;
  for (int t = 0; t < connections; ++t)
    pool.emplace_back([&] {
      client c{server.base_url()};
      request_options o;
      o.timeout_ms = 3000;  // GET /health/ takes milliseconds; a stranded answer never comes
      while (gate.next()) {
        auto r = c.request("GET", "/health/", std::nullopt, o);
        if (r.status == 200) {
          ++answered;
        } else if (lost++ == 0) {
          std::lock_guard<std::mutex> guard{m};
          first_lost = r.describe();
        }
      }
    });
  for (auto& t : pool)
    t.join();
  BOOST_TEST_MESSAGE("response delivery: " << answered.load() << " answers in rounds of " << connections);
  BOOST_TEST(answered.load() > 1000, "only " << answered.load() << " answers in 20 s");
  BOOST_TEST(lost.load() == 0, lost.load() << " requests got no answer; the first: " << first_lost);
}

BOOST_AUTO_TEST_SUITE_END()
