// Fake category program: a test passes, then one hangs (with a child of its own, which the
// runner's timeout must stop too: it writes both pids to RUNNER_FAKE_PID_FILE).
#define BOOST_TEST_MODULE fake_hanging
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace utf = boost::unit_test;

BOOST_AUTO_TEST_SUITE(fake_hanging_async)

BOOST_AUTO_TEST_CASE(quick_task, *utf::label("module.auth_products")) { BOOST_TEST(true); }

BOOST_AUTO_TEST_CASE(waits_forever, *utf::label("flow.inventory_sync")) {
  const pid_t child = ::fork();
  if (child == 0) {
    for (;;) ::pause();
  }
  if (const char* path = std::getenv("RUNNER_FAKE_PID_FILE")) {
    std::ofstream out(path);
    out << ::getpid() << "\n" << child << "\n";
  }
  for (;;) ::pause();
}

BOOST_AUTO_TEST_CASE(never_reached, *utf::label("service.stripe")) { BOOST_TEST(true); }

BOOST_AUTO_TEST_SUITE_END()
