// pg::transaction sends its BEGIN (and its SET LOCAL settings) with its first statement, and
// commit_with() sends the last statement with its COMMIT (libpq's pipeline mode): the same atomicity as one round trip each,
// checked from a second session, with failing statements, a lost connection and the statement cache.
#include "fixture.hpp"

#include <random>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

/// A table of its own per test, seen from a second session (the observer), dropped at the end.
struct pipeline_table {
  pg::connection observer{test_database_url()};
  std::string name = "pipeline_test_" + std::to_string(std::random_device{}());
  pipeline_table() { observer.exec_script("CREATE TABLE " + name + " (id int PRIMARY KEY)"); }
  ~pipeline_table() { observer.exec_script("DROP TABLE IF EXISTS " + name); }
  std::string insert() const { return "INSERT INTO " + name + " (id) VALUES ($1::int) RETURNING id"; }
  int64_t rows() { return observer.exec("SELECT count(*) FROM " + name).int64(0, 0); }
};

PGTransactionStatusType status(pg::connection& c) { return PQtransactionStatus(c.native()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(pipelined_transactions)

BOOST_AUTO_TEST_CASE(begin_goes_out_with_the_first_statement_and_rolls_back_as_before) {
  pipeline_table t;
  pg::connection c{test_database_url()};
  {
    pg::transaction tx{c};
    BOOST_TEST(status(c) == PQTRANS_IDLE, "nothing sent before the first statement");
    BOOST_TEST(tx.exec(t.insert(), {"1"}).int64(0, 0) == 1);
    BOOST_TEST(status(c) == PQTRANS_INTRANS);
    tx.exec(t.insert(), {"2"});
    BOOST_TEST(t.rows() == 0, "uncommitted rows are not seen by another session");
  }  // rolled back
  BOOST_TEST(status(c) == PQTRANS_IDLE);
  BOOST_TEST(t.rows() == 0);
  {
    pg::transaction tx{c};  // nothing runs: nothing is sent, and the session stays idle
  }
  pg::transaction empty{c};
  empty.commit();
  BOOST_TEST(status(c) == PQTRANS_IDLE);
  BOOST_TEST(c.exec("SELECT 1").int64(0, 0) == 1);
}

BOOST_AUTO_TEST_CASE(commit_with_commits_the_last_statement_and_the_ones_before) {
  pipeline_table t;
  pg::connection c{test_database_url()};
  {
    pg::transaction tx{c};
    tx.exec(t.insert(), {"1"});
    BOOST_TEST(tx.commit_with(t.insert(), {"2"}).int64(0, 0) == 2, "the statement's own rows are returned");
  }
  BOOST_TEST(status(c) == PQTRANS_IDLE);
  BOOST_TEST(t.rows() == 2);
  {
    pg::transaction tx{c};  // BEGIN, the statement and COMMIT in one round trip
    tx.commit_with(t.insert(), {"3"});
  }
  BOOST_TEST(t.rows() == 3);
  BOOST_TEST(status(c) == PQTRANS_IDLE);
}

BOOST_AUTO_TEST_CASE(a_failing_last_statement_commits_nothing_and_the_session_goes_on) {
  pipeline_table t;
  pg::connection c{test_database_url()};
  c.exec(t.insert(), {"1"});
  for (bool alone : {false, true}) {
    try {
      pg::transaction tx{c};
      if (!alone)
        tx.exec(t.insert(), {"2"});
      tx.commit_with(t.insert(), {"1"});  // duplicate key
      BOOST_FAIL("a duplicate key must fail");
    } catch (const pg::error& e) {
      BOOST_TEST(e.unique_violation(), e.sqlstate() + ": " + e.what());
    }
    BOOST_TEST(status(c) == PQTRANS_IDLE, "the aborted block was rolled back");
    BOOST_TEST(t.rows() == 1, "the statement before the failing one is not committed either");
    BOOST_TEST(c.exec("SELECT 2").int64(0, 0) == 2);
  }
  // A failing first statement: BEGIN went out with it, and the rollback ends the block.
  try {
    pg::transaction tx{c};
    tx.exec(t.insert(), {"1"});
    BOOST_FAIL("a duplicate key must fail");
  } catch (const pg::error& e) {
    BOOST_TEST(e.unique_violation());
  }
  BOOST_TEST(status(c) == PQTRANS_IDLE);
  BOOST_TEST(t.rows() == 1);
}

BOOST_AUTO_TEST_CASE(statements_first_seen_in_a_pipeline_are_prepared_once) {
  pipeline_table t;
  pg::connection c{test_database_url()};
  for (int i = 1; i <= 3; ++i) {
    pg::transaction tx{c};
    tx.exec(t.insert(), {std::to_string(10 * i)});
    tx.commit_with(t.insert(), {std::to_string(10 * i + 1)});
  }
  BOOST_TEST(t.rows() == 6);
  BOOST_TEST(c.prepared_statements() == 1u, "one SQL text, prepared once, used by both paths");
}

BOOST_AUTO_TEST_CASE(a_connection_lost_under_a_pipeline_throws_and_can_be_reset) {
  pipeline_table t;
  pg::connection c{test_database_url()};
  auto pid = std::to_string(PQbackendPID(c.native()));
  t.observer.exec("SELECT pg_terminate_backend($1::int)", {pid});
  std::this_thread::sleep_for(100ms);
  BOOST_CHECK_THROW(
    {
      pg::transaction tx{c};
      tx.commit_with(t.insert(), {"1"});
    },
    pg::error);
  BOOST_TEST(!c.ok());
  c.reset();
  BOOST_TEST_REQUIRE(c.ok());
  pg::transaction tx{c};
  tx.commit_with(t.insert(), {"1"});
  BOOST_TEST(t.rows() == 1);
}

BOOST_AUTO_TEST_CASE(settings_given_to_a_transaction_hold_for_it_alone) {
  pg::connection c{test_database_url()};
  auto setting = [&c] { return c.exec("SHOW enable_bitmapscan").str(0, 0); };
  BOOST_TEST_REQUIRE(setting() == "on");
  for (bool by_commit_with : {false, true}) {
    pg::transaction tx{c, {"SET LOCAL enable_bitmapscan = off"}};
    BOOST_TEST(status(c) == PQTRANS_IDLE, "the settings wait for the first statement, as BEGIN does");
    if (by_commit_with) {
      BOOST_TEST(tx.commit_with("SHOW enable_bitmapscan").str(0, 0) == "off");
    } else {
      BOOST_TEST(tx.exec("SHOW enable_bitmapscan").str(0, 0) == "off");
      tx.commit();
    }
    BOOST_TEST(setting() == "on", "SET LOCAL ends with its transaction");
  }
  {
    pg::transaction tx{c, {"SET LOCAL enable_bitmapscan = off"}};
    c.exec_script("SELECT 1");  // a script carries them too
    BOOST_TEST(tx.exec("SHOW enable_bitmapscan").str(0, 0) == "off");
  }
  BOOST_TEST(setting() == "on");
  {
    pg::transaction tx{c, {"SET LOCAL enable_bitmapscan = off"}};  // never sent: nothing ran
  }
  pg::transaction unused{c};
  unused.commit();
  BOOST_TEST(setting() == "on");
  // A bad setting fails the transaction's first statement with its own error.
  try {
    pg::transaction tx{c, {"SET LOCAL no_such_setting_at_all = 1"}};
    tx.exec("SELECT 1");
    BOOST_FAIL("an unknown setting must fail");
  } catch (const pg::error& e) {
    BOOST_TEST(e.sqlstate() == "42704", e.sqlstate() + ": " + e.what());
  }
  BOOST_TEST(status(c) == PQTRANS_IDLE);
  BOOST_TEST(c.exec("SELECT 3").int64(0, 0) == 3);
}

BOOST_AUTO_TEST_SUITE_END()
