// Ordering from the cart while the cart changes: the order takes exactly the lines it read
// (locked), and a line another request adds meanwhile stays in the cart for the next order.
#include "fixture.hpp"
#include "persistence/order_repository.hpp"

#include <future>

using namespace commerce;
using namespace commerce::testing;

BOOST_AUTO_TEST_SUITE(order_from_cart)

BOOST_FIXTURE_TEST_CASE(a_line_added_while_the_order_runs_stays_in_the_cart, actor_fixture) {
  auto user = insert_user(unique_email("cart-race"));
  auto ordered = insert_product(10), added_later = insert_product(10);
  auto put_in_cart = [&](int64_t product) {
    sql("INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1::bigint, $2::bigint, 1)",
        {pg::to_param(user), pg::to_param(product)});
  };
  put_in_cart(ordered);

  // Another transaction holds the product's row, so the order reads the cart, then waits at its
  // stock update; meanwhile a second line is committed to the cart.
  pg::connection holder{test_database_url()};
  holder.exec_script("BEGIN");
  holder.exec("SELECT 1 FROM products WHERE id = $1::bigint FOR UPDATE", {pg::to_param(ordered)});
  auto placing = std::async(std::launch::async, [&] {
    auto c = db->acquire();
    return persistence::create_order(*c, order_for(user).order);
  });
  auto waiting = [&] {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                  "AND query LIKE 'UPDATE products SET quantity = quantity - %'");
  };
  for (int i = 0; i < 500 && waiting() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST_REQUIRE(waiting() >= 1);
  put_in_cart(added_later);
  holder.exec_script("COMMIT");

  auto placed = placing.get();
  BOOST_TEST_REQUIRE(static_cast<int>(placed.outcome) == static_cast<int>(persistence::create_outcome::created));
  BOOST_TEST_REQUIRE(placed.order.items.size() == 1u);
  BOOST_TEST(placed.order.items[0].product_id == ordered);
  BOOST_TEST(stock_of(added_later) == 10);
  BOOST_TEST(scalar("SELECT count(*) FROM cart_items WHERE user_id = $1::bigint AND product_id = $2::bigint",
                    {pg::to_param(user), pg::to_param(added_later)}) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM cart_items WHERE user_id = $1::bigint", {pg::to_param(user)}) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
