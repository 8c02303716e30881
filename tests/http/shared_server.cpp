// The HTTP suites' shared server and their module fixture. Kept out of the commerce_http_support
// library so that programs linking it against an already running stack (tests/integration) do
// not inherit a global fixture that demands COMMERCE_SERVER, TEST_DATABASE_URL and TEST_REDIS_URL.
#include "tests/http/support/process.hpp"

#include <boost/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace http_test {

// The shared server and the module fixture

namespace {

std::unique_ptr<server_process> shared;
std::string shared_error;

struct module_fixture {
  module_fixture() = default;
  void setup() {
    // Fail the whole run at once when it is not started by scripts/test.
    server_binary();
    test_database_url();
    test_redis_url();
  }
  void teardown() {
    if (!shared)
      return;
    shared->stop();
    BOOST_TEST((shared->exit_code() == std::optional<int>{0}),
               "the shared server ended with " << shared->exit_description() << " after SIGTERM; log tail:\n"
                                               << shared->log_tail(30));
    shared.reset();
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(module_fixture);

server_process& shared_server() {
  if (shared)
    return *shared;
  if (!shared_error.empty())
    throw std::runtime_error("the shared server could not start earlier: " + shared_error);
  try {
    shared = std::make_unique<server_process>(server_process::options{});
  } catch (const std::exception& e) {
    shared_error = e.what();
    throw;
  }
  return *shared;
}

}  // namespace http_test
