// Reservation expiry (API.md §3.4; RESERVATION_TTL): an unpaid pending order older than the TTL
// is cancelled by the sweeper, its stock comes back once, and the ledger records why.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(reservation_expiry)

BOOST_AUTO_TEST_CASE(unpaid_orders_expire_and_release_their_stock) {
  // A server of its own: 1 s reservations, swept every second. Its product cache is made long
  // (60 s), so the GETs below see the release only if the sweeping node drops its cached stock
  // itself, as it does for its own orders and cancels; a short TTL would hide a stale cache.
  server_process::options o;
  o.env["RESERVATION_TTL"] = "1";
  o.env["RESERVATION_SWEEP_SECONDS"] = "1";
  o.env["BEAT_SCHEDULE"] = "reservations.release@every:1s";  // the beat raises the sweep
  o.env["CACHE_TTL_MS"] = "60000";
  server_process s{o};
  client c{s.base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "expiry");
  const auto tag = unique_tag("expiry");
  const int64_t a = create_product(c, staff.access, "Expiring A " + tag, "20.00", 3);
  const int64_t b = create_product(c, staff.access, "Expiring B " + tag, "5.00", 1);

  auto created = c.post("/api/orders/", order_body({{a, 2}, {b, 1}}), user.access);
  REQUIRE_STATUS(created, 201);
  const int64_t id = *int_of(created.json, "id");
  const auto order_path = "/api/orders/" + std::to_string(id) + "/";
  const auto started = std::chrono::steady_clock::now();
  BOOST_TEST(stock_of(c, a) == 1);  // read (and cached) while reserved
  BOOST_TEST(stock_of(c, b) == 0);
  auto listed_before = c.get("/api/products/?search=" + tag);  // the listing is cached too
  REQUIRE_STATUS(listed_before, 200);

  // Poll: the order is cancelled and the stock is back after a sweep or two (about 1.5 s here).
  // The bound is loose on purpose: a suite run beside other work once took 7.5 s; what it
  // catches is a sweep that never comes.
  std::string status;
  std::optional<std::chrono::milliseconds> cancelled_after;
  int64_t stock_a = -1, stock_b = -1;
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  };
  while (elapsed() < 20s) {
    auto got = c.get(order_path, user.access);
    REQUIRE_STATUS(got, 200);
    status = string_of(got.json, "status");
    if (status == "cancelled" && !cancelled_after)
      cancelled_after = elapsed();
    stock_a = stock_of(c, a);
    stock_b = stock_of(c, b);
    if (status == "cancelled" && stock_a == 3 && stock_b == 1)
      break;
    std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST_REQUIRE(cancelled_after.has_value(), "the order is still " << status << " after " << elapsed().count()
                                                                         << " ms");
  BOOST_TEST_MESSAGE("the reservation expired after " << cancelled_after->count() << " ms");
  BOOST_TEST(cancelled_after->count() < 15000, "expiry took " << cancelled_after->count() << " ms; the server's log:\n"
                                                                << s.log_tail(60));
  const auto in_db = [](int64_t p) {
    return db_int("SELECT quantity FROM products WHERE id = $1::bigint", {std::to_string(p)});
  };
  BOOST_TEST(in_db(a) == 3, "the stock in the database was not restored");
  BOOST_TEST(in_db(b) == 1, "the stock in the database was not restored");
  // The sweeping node released the stock itself: its GET shows it without waiting for the cache.
  BOOST_TEST(stock_a == 3, "GET /api/products/" << a << "/ on the sweeping node still shows " << stock_a << " after "
                                                << elapsed().count() << " ms (database: " << in_db(a) << ")");
  BOOST_TEST(stock_b == 1, "GET /api/products/" << b << "/ on the sweeping node still shows " << stock_b << " after "
                                                << elapsed().count() << " ms (database: " << in_db(b) << ")");

  // So does the product list.
  auto listed = c.get("/api/products/?search=" + tag);
  REQUIRE_STATUS(listed, 200);
  BOOST_TEST_REQUIRE(listed.json["results"].Size() == 2u, listed.body);
  BOOST_TEST(int_of(listed.json["results"][0], "quantity") == std::optional<int64_t>{3},
             "the sweeping node lists stale stock: " << listed.body);
  BOOST_TEST(int_of(listed.json["results"][1], "quantity") == std::optional<int64_t>{1},
             "the sweeping node lists stale stock: " << listed.body);

  // The ledger says why, once per line, and adds up.
  const auto order_id = std::to_string(id);
  BOOST_TEST(db_int("SELECT count(*) FROM inventory_ledger WHERE order_id = $1::bigint AND reason = 'reservation_expired'",
                    {order_id}) == 2);
  BOOST_TEST(db_int("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE order_id = $1::bigint "
                    "AND reason = 'reservation_expired' AND product_id = $2::bigint",
                    {order_id, std::to_string(a)}) == 2);
  for (auto p : {a, b})
    BOOST_TEST(db_int("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                      {std::to_string(p)}) == in_db(p));

  // An expired order cannot be cancelled again, and nothing is released twice.
  CHECK_ERROR(c.post("/api/orders/" + order_id + "/cancel/", "", user.access), 409, "invalid_order_state");
  BOOST_TEST(in_db(a) == 3);
  BOOST_TEST(in_db(b) == 1);
  auto orders = c.get("/api/orders/", user.access);
  REQUIRE_STATUS(orders, 200);
  BOOST_TEST(string_of(orders.json["results"][0], "status") == "cancelled", orders.body);

  s.stop();
  BOOST_TEST((s.exit_code() == std::optional<int>{0}),
             "after SIGTERM: " << s.exit_description() << "; log tail:\n" << s.log_tail(30));
}

BOOST_AUTO_TEST_SUITE_END()
