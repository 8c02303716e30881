#include "integrations/gateway_client.hpp"

#include <boost/test/unit_test.hpp>

using commerce::integrations::circuit_breaker;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(circuit_breaking)

BOOST_AUTO_TEST_CASE(opens_after_consecutive_failures_only) {
  circuit_breaker b{3, 10s};
  auto t = std::chrono::steady_clock::now();
  b.record(false, t);
  b.record(false, t);
  b.record(true, t);  // a success resets the count
  b.record(false, t);
  b.record(false, t);
  BOOST_TEST(b.allow(t));
  b.record(false, t);
  BOOST_TEST(b.open());
  BOOST_TEST(!b.allow(t + 9s));
}

BOOST_AUTO_TEST_CASE(half_open_lets_one_trial_through) {
  circuit_breaker b{1, 10s};
  auto t = std::chrono::steady_clock::now();
  b.record(false, t);
  BOOST_TEST(!b.allow(t + 5s));
  BOOST_TEST(b.allow(t + 10s));   // the trial
  BOOST_TEST(!b.allow(t + 10s));  // nobody else meanwhile
  b.record(false, t + 11s);       // the trial failed: open again, for a full pause
  BOOST_TEST(!b.allow(t + 15s));
  BOOST_TEST(b.allow(t + 21s));
  b.record(true, t + 21s);
  BOOST_TEST(!b.open());
  BOOST_TEST(b.allow(t + 21s));
  BOOST_TEST(b.allow(t + 21s));
}

BOOST_AUTO_TEST_SUITE_END()
