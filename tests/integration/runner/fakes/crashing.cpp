// Fake category program: killed by SIGKILL in its second test, so it never closes its XML log; the
// runner must still report what its HRF log said.
#define BOOST_TEST_MODULE fake_crashing
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

namespace utf = boost::unit_test;

BOOST_AUTO_TEST_CASE(before_the_crash, *utf::label("service.stripe")) { BOOST_TEST(true); }

BOOST_AUTO_TEST_CASE(gets_killed, *utf::label("flow.user_registration")) { ::kill(::getpid(), SIGKILL); }

BOOST_AUTO_TEST_CASE(after_the_crash, *utf::label("module.auth_products")) { BOOST_TEST(true); }
