#define BOOST_TEST_MODULE http_tests
#include <boost/test/unit_test.hpp>

#include "tests/http/support/process.hpp"

namespace {
/// The run's environment checked before any case; the shared server stopped (exit 0) after all.
struct http_tests_fixture {
  void setup() { http_test::check_http_test_environment(); }
  void teardown() { http_test::stop_shared_server(); }
};
}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(http_tests_fixture);
