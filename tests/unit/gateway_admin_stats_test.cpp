// What the admin console reads from and does to the gateway client: an operator's trip and
// reset of a breaker, and the per-provider call counters (errors, last error, percentiles).
#include "integrations/gateway_client.hpp"

#include "tests/http/support/process.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::integrations;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(gateway_admin_stats)

BOOST_AUTO_TEST_CASE(trip_opens_at_once_and_reset_closes) {
  circuit_breaker b{5, 10s};
  auto t = std::chrono::steady_clock::now();
  b.record(false, t);
  b.trip(t);
  BOOST_TEST(b.open());
  BOOST_TEST(b.failures() == 5);
  BOOST_TEST(!b.allow(t + 9s));
  BOOST_TEST(b.allow(t + 10s));  // a tripped breaker goes half-open after the pause, as any other
  b.reset();
  BOOST_TEST(!b.open());
  BOOST_TEST(b.failures() == 0);
  BOOST_TEST(b.allow(t + 10s));
  BOOST_TEST(b.allow(t + 10s));  // closed: no trial limit
}

BOOST_AUTO_TEST_CASE(calls_errors_and_last_error_per_provider) {
  init_http_clients();
  client_settings s;
  s.max_attempts = 1;
  s.breaker_failures = 100;
  gateway_client client{s};
  BOOST_TEST(client.call_stats("generic").calls == 0);
  BOOST_TEST(client.force_breakers("generic", true) == 0u);  // no call yet: no breaker to trip
  auto url = "http://127.0.0.1:" + std::to_string(http_test::free_port()) + "/api/v1/payments";
  for (int i = 0; i < 3; ++i) {
    auto r = client.call({"generic", "create_payment", "POST", url, {}, "{}", false});
    BOOST_TEST((r.failure == outbound_failure::connect));
  }
  client.call({"other", "create_payment", "POST", url, {}, "{}", false});
  auto st = client.call_stats("generic");
  BOOST_TEST(st.calls == 3);
  BOOST_TEST(st.errors == 3);
  BOOST_TEST(!st.last_error.empty());
  BOOST_TEST(st.last_error_at_ms > 0);
  BOOST_TEST(st.p50_ms <= st.p90_ms);
  BOOST_TEST(st.p90_ms <= st.p99_ms);
  BOOST_TEST(client.call_stats("other").calls == 1);

  // Tripped: the next call never leaves, and is counted as an error with the breaker's reason.
  BOOST_TEST(client.force_breakers("generic", true) == 1u);
  BOOST_TEST(client.breaker_open("generic"));
  BOOST_TEST(!client.breaker_open("other"));
  auto refused = client.call({"generic", "create_payment", "POST", url, {}, "{}", false});
  BOOST_TEST((refused.failure == outbound_failure::breaker_open));
  BOOST_TEST(client.call_stats("generic").errors == 4);
  BOOST_TEST(client.call_stats("generic").last_error.find("circuit breaker open") != std::string::npos);
  BOOST_TEST(client.force_breakers("generic", false) == 1u);
  BOOST_TEST(!client.breaker_open("generic"));
}

BOOST_AUTO_TEST_SUITE_END()
