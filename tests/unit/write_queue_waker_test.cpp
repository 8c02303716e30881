// The waker for Pistache 0.0.5's stranded responses (http/pistache_compat.hpp): it wakes an I/O
// thread's write queue for a while after each response, then sleeps until the next, and stops
// for good. Its effect on real connections is tests/http/response_delivery_test.cpp.
#include "http/pistache_compat.hpp"

#include <pistache/transport.h>

#include <boost/test/unit_test.hpp>

#include <thread>

using commerce::http::write_queue_waker;
using namespace std::chrono_literals;

namespace {

class no_http : public Pistache::Http::Handler {
public:
  HTTP_PROTOTYPE(no_http)
  void onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter) override {}
};

/// A transport that no reactor runs: its write queue has no eventfd yet, so the waker's empty
/// writes just wait in it (freed with it).
struct idle_transport {
  Pistache::Tcp::Transport transport{std::make_shared<no_http>()};
};

/// Whether the waker queues a wake beyond `before` within `limit` (a loaded machine may be slow
/// to run its thread).
bool woken_within(const write_queue_waker& waker, int64_t before, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (waker.wakes() <= before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return waker.wakes() > before;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(write_queue_waker_suite)

BOOST_AUTO_TEST_CASE(wakes_after_a_response_then_sleeps) {
  idle_transport io;
  // A long linger, so a slow machine still runs the thread within it.
  write_queue_waker waker{1, 1ms, 200ms};
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(waker.wakes() == 0, "woke with nothing written");

  waker.wrote(&io.transport);
  BOOST_TEST_REQUIRE(woken_within(waker, 0, 5s));
  std::this_thread::sleep_for(400ms);  // past the linger
  auto after_one = waker.wakes();
  BOOST_TEST(after_one <= 210, after_one << " wakes for one response: more than one a tick for 200 ms");

  std::this_thread::sleep_for(300ms);
  BOOST_TEST(waker.wakes() == after_one, "idle, it still woke the transport");

  waker.wrote(&io.transport);  // asleep: the next response wakes it again
  BOOST_TEST(woken_within(waker, after_one, 5s));
}

BOOST_AUTO_TEST_CASE(stopped_it_ignores_later_responses) {
  idle_transport io;
  write_queue_waker waker{1, 1ms, 20ms};
  waker.stop();
  waker.wrote(&io.transport);
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(waker.wakes() == 0);
  waker.stop();  // a second stop (the destructor's) is harmless
}

BOOST_AUTO_TEST_SUITE_END()
