// The sequential row reader (pg::row_reader) and the status columns (persistence/status_text.hpp)
// against the real PostgreSQL: columns come back in SELECT order, NULLs as nullopt, every status
// word as its enum and back, and a word the lifecycle does not know as an error.
#include "fixture.hpp"

#include "persistence/status_text.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(row_reader)

BOOST_AUTO_TEST_CASE(columns_are_read_in_select_order) {
  auto pool = pg::pool::open(test_database_url(), 1, 0ms);
  auto c = pool->acquire();
  auto r = c->exec("SELECT id, word, maybe, flag, small, nothing FROM (VALUES "
                   "(9000000000::bigint, 'first'::text, NULL::text, true, 7::int, NULL::bigint), "
                   "(2, 'second', 'there', false, -1, 5)) AS v(id, word, maybe, flag, small, nothing) ORDER BY id DESC");
  BOOST_TEST_REQUIRE(r.rows() == 2);
  auto first = r.row(0);
  BOOST_TEST(first.int64() == 9000000000);
  BOOST_TEST(first.str() == "first");
  BOOST_TEST(!first.opt_str().has_value());
  BOOST_TEST(first.boolean());
  BOOST_TEST(first.int32() == 7);
  BOOST_TEST(!first.opt_int64().has_value());
  auto second = r.row(1);
  BOOST_TEST(second.int64() == 2);
  BOOST_TEST(second.text() == "second");
  BOOST_TEST(second.opt_str().value_or("") == "there");
  BOOST_TEST(!second.boolean());
  BOOST_TEST(second.int32() == -1);
  BOOST_TEST(second.opt_int64().value_or(0) == 5);
}

BOOST_AUTO_TEST_CASE(status_words_round_trip_through_the_database) {
  auto pool = pg::pool::open(test_database_url(), 1, 0ms);
  auto c = pool->acquire();
  using domain::order_status;
  for (auto s : {order_status::pending, order_status::confirmed, order_status::processing, order_status::shipped,
                 order_status::delivered, order_status::cancelled, order_status::refunded}) {
    auto r = c->exec("SELECT $1::text", {to_string(s)});
    auto in = r.row();
    BOOST_TEST((persistence::read_status<order_status>(in) == s), to_string(s));
  }
  auto any = c->exec("SELECT 'unknown' = ANY($1::text[]), 'pending' = ANY($1::text[])",
                     {persistence::status_array(domain::unsettled_charges)});
  auto in = any.row();
  BOOST_TEST(in.boolean());
  BOOST_TEST(!in.boolean());
  auto bogus = c->exec("SELECT 'paid'::text");
  auto word = bogus.row();
  BOOST_CHECK_THROW(persistence::read_status<order_status>(word), pg::error);
}

BOOST_AUTO_TEST_SUITE_END()
