// Fake category program for the runner's own tests: every test passes, and one records the
// environment the runner passed (RUNNER_FAKE_ENV_FILE) so the test can check the URL flags.
#define BOOST_TEST_MODULE fake_passing
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

namespace utf = boost::unit_test;

BOOST_AUTO_TEST_SUITE(fake_passing_flows)

BOOST_AUTO_TEST_CASE(registers_a_user, *utf::label("flow.user_registration") *utf::label("module.auth_products")) {
  BOOST_TEST(2 + 2 == 4);
}

BOOST_AUTO_TEST_CASE(pays_with_stripe, *utf::label("service.stripe")) { BOOST_TEST(true); }

BOOST_AUTO_TEST_CASE(sees_the_stack_environment) {
  const char* path = std::getenv("RUNNER_FAKE_ENV_FILE");
  if (!path) return;
  std::ofstream out(path, std::ios::app);
  for (const char* name : {"APP_URL", "PAYMENT_MOCK_URL", "SHIPPING_MOCK_URL", "EMAIL_MOCK_URL", "SMS_MOCK_URL",
                           "INVENTORY_MOCK_URL"}) {
    const char* value = std::getenv(name);
    out << name << "=" << (value ? value : "") << "\n";
  }
  BOOST_TEST(out.good());
}

BOOST_AUTO_TEST_CASE(switched_off, *utf::disabled() *utf::label("flow.user_registration")) { BOOST_TEST(false); }

BOOST_AUTO_TEST_SUITE_END()
