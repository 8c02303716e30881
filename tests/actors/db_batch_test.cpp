// Many actors' calls in one statement (db_batcher.hpp): many users' cart adds
// (persistence::add_to_carts) and many product actors' reads (persistence::find_products). Each
// call gets the answer it would get alone, and a failing call fails only its own request.
#include "fixture.hpp"
#include "persistence/cart_repository.hpp"

#include <future>

using namespace commerce;
using namespace commerce::testing;
using persistence::cart_outcome;

namespace {

struct batch_fixture : actor_fixture {
  /// A user row without a password hash (Argon2id would cost a second a user).
  int64_t user() {
    return scalar("INSERT INTO users (email, password_hash) VALUES ($1, 'not-a-hash') RETURNING id",
                  {unique_email("cart-batch")});
  }
  int64_t line_quantity(int64_t user_id, int64_t product_id) {
    return scalar("SELECT coalesce(sum(quantity), 0) FROM cart_items WHERE user_id = $1::bigint AND product_id = $2::bigint",
                  {pg::to_param(user_id), pg::to_param(product_id)});
  }
  int64_t version_of(int64_t user_id) {
    return scalar("SELECT coalesce(max(version), 0) FROM cart_versions WHERE user_id = $1::bigint", {pg::to_param(user_id)});
  }
};

int outcome(cart_outcome o) { return static_cast<int>(o); }

}  // namespace

BOOST_AUTO_TEST_SUITE(cart_batches)

BOOST_FIXTURE_TEST_CASE(each_add_in_a_batch_gets_its_own_outcome, batch_fixture) {
  auto plenty = insert_product(100), archived = insert_product(100), scarce = insert_product(2);
  sql("UPDATE products SET is_active = false WHERE id = $1::bigint", {pg::to_param(archived)});
  auto fresh = user(), wants_archived = user(), wants_scarce = user(), near_limit = user(), has_line = user();
  sql("INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1::bigint, $2::bigint, 98)",
      {pg::to_param(near_limit), pg::to_param(plenty)});
  sql("INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1::bigint, $2::bigint, 1)",
      {pg::to_param(has_line), pg::to_param(plenty)});

  std::vector<persistence::cart_add> adds{
    {fresh, plenty, 3}, {wants_archived, archived, 1}, {wants_scarce, scarce, 5}, {near_limit, plenty, 3}, {has_line, plenty, 4}};
  std::vector<persistence::cart_change> got;
  {
    auto c = db->acquire();
    got = persistence::add_to_carts(*c, adds, 100);  // a line limit of 100 here, to reach it cheaply
  }
  BOOST_TEST_REQUIRE(got.size() == adds.size());

  BOOST_TEST(outcome(got[0].outcome) == outcome(cart_outcome::ok));
  BOOST_TEST(got[0].line.quantity == 3);
  BOOST_TEST(got[0].line.product_id == plenty);
  BOOST_TEST(got[0].version == 1);
  BOOST_TEST(line_quantity(fresh, plenty) == 3);

  BOOST_TEST(outcome(got[1].outcome) == outcome(cart_outcome::product_unavailable));
  BOOST_TEST(line_quantity(wants_archived, archived) == 0);

  BOOST_TEST(outcome(got[2].outcome) == outcome(cart_outcome::insufficient_stock));
  BOOST_TEST(got[2].available == 2);
  BOOST_TEST(line_quantity(wants_scarce, scarce) == 0);

  BOOST_TEST(outcome(got[3].outcome) == outcome(cart_outcome::quantity_over_limit));
  BOOST_TEST(line_quantity(near_limit, plenty) == 98);

  BOOST_TEST(outcome(got[4].outcome) == outcome(cart_outcome::ok));
  BOOST_TEST(got[4].line.quantity == 5);  // merged into the line's current quantity
  BOOST_TEST(line_quantity(has_line, plenty) == 5);

  // Only the applied adds bumped their cart's version.
  BOOST_TEST(version_of(fresh) == 1);
  BOOST_TEST(version_of(wants_archived) == 0);
  BOOST_TEST(version_of(wants_scarce) == 0);
  BOOST_TEST(version_of(near_limit) == 0);
  BOOST_TEST(version_of(has_line) == got[4].version);
}

BOOST_FIXTURE_TEST_CASE(a_failing_add_fails_only_its_own_call, batch_fixture) {
  auto product = insert_product(100);
  auto a = user(), b = user();
  // No such user: its row breaks the foreign key, so the batch statement fails as a whole.
  auto missing = scalar("SELECT coalesce(max(id), 0) + 1000000 FROM users");
  std::vector<persistence::cart_add> calls{{a, product, 1}, {missing, product, 1}, {b, product, 2}};
  actors::db_batch_results<persistence::cart_change> r;
  {
    auto c = db->acquire();
    r = actors::batching::run(*c, actors::cart_add_batches(), calls, "test");
  }
  BOOST_TEST_REQUIRE(r.each.size() == 3u);
  BOOST_TEST_REQUIRE(r.each[0].has_value());
  BOOST_TEST(r.each[0]->line.quantity == 1);
  BOOST_TEST(!r.each[1].has_value());
  BOOST_TEST_REQUIRE(r.each[2].has_value());
  BOOST_TEST(r.each[2]->line.quantity == 2);
  BOOST_TEST(line_quantity(a, product) == 1);
  BOOST_TEST(line_quantity(b, product) == 2);
  BOOST_TEST(scalar("SELECT count(*) FROM cart_items WHERE user_id = $1::bigint", {pg::to_param(missing)}) == 0);
}

// A batch cancelled by statement_timeout is not repeated call by call (that could hold the
// connection for the timeout once per call): every call of it fails. Another failure is.
BOOST_FIXTURE_TEST_CASE(a_timed_out_batch_fails_every_call_without_repeating_them, batch_fixture) {
  int singles = 0;
  std::string sqlstate;
  actors::db_batch_kind<int64_t, int64_t> kind{
    [&](pg::connection&, const std::vector<int64_t>&) -> std::vector<int64_t> {
      throw pg::error("the batch failed", sqlstate);
    },
    [&](pg::connection&, const int64_t& call) {
      ++singles;
      return call * 10;
    },
    [](const int64_t& call) { return call; }};
  auto c = db->acquire();
  sqlstate = "57014";  // query_canceled
  auto cancelled = actors::batching::run<int64_t, int64_t>(*c, kind, {1, 2, 3}, "test");
  BOOST_TEST(cancelled.each.size() == 3u);
  for (const auto& r : cancelled.each)
    BOOST_TEST(!r.has_value());
  BOOST_TEST(singles == 0);

  sqlstate = "40P01";  // deadlock_detected: each call alone may well pass
  auto retried = actors::batching::run<int64_t, int64_t>(*c, kind, {1, 2, 3}, "test");
  BOOST_TEST(singles == 3);
  BOOST_TEST_REQUIRE(retried.each.size() == 3u);
  BOOST_TEST((retried.each[2] && *retried.each[2] == 30));
}

// Through the cart supervisor, many users at once (so adds queue behind the batches in flight
// and share statements), and one user's adds one after another: every add counts once.
BOOST_FIXTURE_TEST_CASE(concurrent_adds_through_the_batcher_all_count, batch_fixture) {
  auto node = commerce();
  auto product = insert_product(100000);
  std::vector<int64_t> users;
  for (int i = 0; i < 24; ++i)
    users.push_back(user());
  constexpr int rounds = 5;
  std::vector<std::future<int>> clients;
  for (auto u : users)
    clients.push_back(std::async(std::launch::async, [&, u] {
      int ok = 0;
      for (int i = 0; i < rounds; ++i) {
        auto r = ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{u, product, 2});
        ok += r.error ? 0 : 1;
      }
      return ok;
    }));
  for (auto& c : clients)
    BOOST_TEST(c.get() == rounds);
  for (auto u : users) {
    BOOST_TEST(line_quantity(u, product) == 2 * rounds);
    BOOST_TEST(version_of(u) == rounds);
    auto cart = ask<actors::cart_reply>(node.carts, actors::get_cart{u});
    BOOST_TEST_REQUIRE(cart.lines.size() == 1u);
    BOOST_TEST(cart.lines[0].quantity == 2 * rounds);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_reads)

BOOST_FIXTURE_TEST_CASE(each_id_gets_its_own_row_in_order, actor_fixture) {
  auto a = insert_product(5, 500), b = insert_product(7, 700), archived = insert_product(1);
  sql("UPDATE products SET is_active = false WHERE id = $1::bigint", {pg::to_param(archived)});
  auto missing = scalar("SELECT coalesce(max(id), 0) + 1000000 FROM products");
  std::vector<std::optional<persistence::product_record>> got;
  {
    auto c = db->acquire();
    got = persistence::find_products(*c, {b, missing, a, archived});
  }
  BOOST_TEST_REQUIRE(got.size() == 4u);
  BOOST_TEST_REQUIRE(got[0].has_value());
  BOOST_TEST(got[0]->id == b);
  BOOST_TEST(got[0]->price_minor == 700);
  BOOST_TEST(got[0]->quantity == 7);
  BOOST_TEST(!got[1].has_value());
  BOOST_TEST_REQUIRE(got[2].has_value());
  BOOST_TEST(got[2]->id == a);
  BOOST_TEST(got[2]->quantity == 5);
  BOOST_TEST_REQUIRE(got[3].has_value());  // the row is there; the product actor answers 404 for it
  BOOST_TEST(!got[3]->is_active);
}

// Many product actors missing their cache at once share read statements, and each answers
// its own product (or 404).
BOOST_FIXTURE_TEST_CASE(concurrent_reads_through_the_catalog_answer_their_own_product, actor_fixture) {
  auto node = commerce(std::chrono::seconds(3600), std::chrono::milliseconds(0));  // no cache: every read queries
  std::vector<int64_t> ids;
  for (int i = 0; i < 40; ++i)
    ids.push_back(insert_product(i + 1, 100 + i));
  auto archived = ids.back();
  sql("UPDATE products SET is_active = false WHERE id = $1::bigint", {pg::to_param(archived)});
  std::vector<std::future<bool>> readers;
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i < ids.size(); ++i)
      readers.push_back(std::async(std::launch::async, [&, i] {
        auto r = ask<actors::product_reply>(node.catalog, actors::get_product{ids[i]});
        if (ids[i] == archived)
          return r.error.code == error_code::not_found;
        return !r.error && r.product.id == ids[i] && r.product.quantity == static_cast<int32_t>(i + 1) &&
               r.product.price_minor == static_cast<int64_t>(100 + i);
      }));
  for (auto& r : readers)
    BOOST_TEST(r.get());
}

BOOST_AUTO_TEST_SUITE_END()
