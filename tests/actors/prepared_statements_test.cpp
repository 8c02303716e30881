// pg::connection prepares each distinct SQL text once per session and keeps a bounded number of
// them: checked against the server's own pg_prepared_statements, through reset(), failing
// statements and aborted transactions.
#include "fixture.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

/// The statements the server holds for this session, counted by a statement that is not itself
/// prepared (plain PQexec, around the connection's cache).
int64_t server_prepared(pg::connection& c) {
  pg::result r{PQexec(c.native(), "SELECT count(*) FROM pg_prepared_statements")};
  BOOST_TEST_REQUIRE(PQresultStatus(r.native()) == PGRES_TUPLES_OK);
  return r.int64(0, 0);
}

int64_t times_prepared(pg::connection& c, const std::string& sql) {
  pg::result r{PQexecParams(c.native(), "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", 1,
                            nullptr, std::vector<const char*>{sql.c_str()}.data(), nullptr, nullptr, 0)};
  BOOST_TEST_REQUIRE(PQresultStatus(r.native()) == PGRES_TUPLES_OK);
  return r.int64(0, 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prepared_statements)

BOOST_AUTO_TEST_CASE(the_same_sql_twice_reuses_one_prepared_statement) {
  pg::connection c{test_database_url(), 0ms, 8};
  const std::string sql = "SELECT $1::bigint + 1";
  BOOST_TEST(c.exec(sql, {"41"}).int64(0, 0) == 42);
  BOOST_TEST(c.exec(sql, {"1"}).int64(0, 0) == 2);
  BOOST_TEST(times_prepared(c, sql) == 1);
  BOOST_TEST(server_prepared(c) == 1);
  BOOST_TEST(c.prepared_statements() == 1u);
  BOOST_TEST(c.exec("SELECT $1::text", {pg::param{}}).is_null(0, 0), "NULL binds through a prepared statement");
}

BOOST_AUTO_TEST_CASE(sql_built_at_run_time_never_grows_the_session_beyond_the_bound) {
  pg::connection c{test_database_url(), 0ms, 4};
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(c.exec("SELECT " + std::to_string(i) + " + $1::int", {"1"}).int64(0, 0) == i + 1);
  BOOST_TEST(server_prepared(c) == 4);
  BOOST_TEST(c.prepared_statements() == 4u);
  // The most recently used ones are kept: the last four.
  BOOST_TEST(times_prepared(c, "SELECT 19 + $1::int") == 1);
  BOOST_TEST(times_prepared(c, "SELECT 15 + $1::int") == 0);
  // Using one keeps it: after touching "SELECT 16", a new statement evicts 17, not 16.
  c.exec("SELECT 16 + $1::int", {"0"});
  c.exec("SELECT 100 + $1::int", {"0"});
  BOOST_TEST(times_prepared(c, "SELECT 16 + $1::int") == 1);
  BOOST_TEST(times_prepared(c, "SELECT 17 + $1::int") == 0);
  BOOST_TEST(server_prepared(c) == 4);
}

BOOST_AUTO_TEST_CASE(a_capacity_of_zero_never_prepares) {
  pg::connection c{test_database_url(), 0ms, 0};
  BOOST_TEST(c.exec("SELECT $1::int", {"3"}).int64(0, 0) == 3);
  BOOST_TEST(server_prepared(c) == 0);
}

BOOST_AUTO_TEST_CASE(reset_starts_a_session_without_prepared_statements) {
  pg::connection c{test_database_url(), 250ms, 8};
  const std::string sql = "SELECT $1::int * 2";
  BOOST_TEST(c.exec(sql, {"2"}).int64(0, 0) == 4);
  c.reset();
  BOOST_TEST(c.prepared_statements() == 0u);
  BOOST_TEST(server_prepared(c) == 0);
  BOOST_TEST(c.exec(sql, {"5"}).int64(0, 0) == 10, "prepared again in the new session");
  BOOST_TEST(times_prepared(c, sql) == 1);
  BOOST_TEST(c.exec("SHOW statement_timeout").str(0, 0) == "250ms");
}

BOOST_AUTO_TEST_CASE(failing_statements_leave_the_cache_as_the_session_has_it) {
  pg::connection c{test_database_url(), 0ms, 8};
  const std::string broken = "SELECT no_such_column FROM pg_class WHERE oid = $1::oid";
  BOOST_CHECK_THROW(c.exec(broken, {"1"}), pg::error);
  BOOST_TEST(c.prepared_statements() == 0u, "a statement that did not prepare is not cached");

  const std::string fine = "SELECT $1::int + 10";
  {
    pg::transaction tx{c};
    BOOST_TEST(tx.exec(fine, {"1"}).int64(0, 0) == 11);
    try {
      tx.exec("SELECT 1 / $1::int", {"0"});  // prepares, then fails at execution: 22012
      BOOST_FAIL("division by zero succeeded");
    } catch (const pg::error& e) {
      BOOST_TEST(e.sqlstate() == "22012");
    }
    // The transaction is aborted: a new statement cannot be prepared (25P02) and is not cached,
    // and a cached one fails the same way.
    try {
      tx.exec("SELECT $1::int + 20", {"1"});
      BOOST_FAIL("a statement ran inside an aborted transaction");
    } catch (const pg::error& e) {
      BOOST_TEST(e.sqlstate() == "25P02");
    }
    BOOST_CHECK_THROW(tx.exec(fine, {"1"}), pg::error);
  }  // rolled back
  BOOST_TEST(c.idle());
  BOOST_TEST(c.prepared_statements() == 2u);
  BOOST_TEST(server_prepared(c) == 2, "prepared statements outlive the rollback, as the cache says");
  BOOST_TEST(times_prepared(c, "SELECT $1::int + 20") == 0);
  BOOST_TEST(c.exec(fine, {"2"}).int64(0, 0) == 12);
  BOOST_TEST(c.exec("SELECT $1::int + 20", {"1"}).int64(0, 0) == 21);
  BOOST_TEST(server_prepared(c) == 3);
}

BOOST_AUTO_TEST_CASE(a_statement_deallocated_behind_the_cache_is_prepared_again) {
  pg::connection c{test_database_url(), 0ms, 8};
  const std::string sql = "SELECT $1::int - 1";
  c.exec(sql, {"1"});
  c.exec_script("DEALLOCATE ALL");
  BOOST_CHECK_THROW(c.exec(sql, {"1"}), pg::error);  // 26000: the cache learns the session lost them
  BOOST_TEST(c.prepared_statements() == 0u);
  BOOST_TEST(c.exec(sql, {"5"}).int64(0, 0) == 4);
}

BOOST_AUTO_TEST_SUITE_END()
