// Every pooled PostgreSQL connection has a statement_timeout (DB_STATEMENT_TIMEOUT_MS): a
// statement running longer is cancelled, also after the connection was reset.
#include "fixture.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(pg_pool_limits)

BOOST_AUTO_TEST_CASE(a_statement_longer_than_the_timeout_is_cancelled) {
  auto pool = pg::pool::open(test_database_url(), 1, 200ms);
  auto c = pool->acquire();
  auto cancelled = [&] {
    auto started = std::chrono::steady_clock::now();
    try {
      c->exec("SELECT pg_sleep(3)");
    } catch (const pg::error& e) {
      BOOST_TEST(e.sqlstate() == "57014", "not a cancellation: " << e.what());
      return std::chrono::steady_clock::now() - started < 2s;
    }
    return false;
  };
  BOOST_TEST(cancelled(), "pg_sleep(3) ran to its end");
  BOOST_TEST(c->exec("SELECT 1").int64(0, 0) == 1, "the connection is usable after a cancellation");
  c->reset();  // a new session: the setting must come back with it
  BOOST_TEST(cancelled(), "after PQreset, pg_sleep(3) ran to its end");
  BOOST_TEST(c->exec("SHOW statement_timeout").str(0, 0) == "200ms");
}

BOOST_AUTO_TEST_SUITE_END()
