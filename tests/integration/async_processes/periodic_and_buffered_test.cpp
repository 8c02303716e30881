// Background work nobody starts by hand: the beat process's reservations.release (an unpaid
// order's stock comes back after RESERVATION_TTL) and the analytics writer, which buffers
// tracked events and stores them in batches (the document's analytics data flow, read back
// through the staff statistics).
#include "tests/integration/base/integration_base.hpp"

#include <cstdlib>

using namespace integration;
using http_test::json_object;

namespace {

std::string order_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/"; }

/// How long the beat may take to release a reservation: the stack's RESERVATION_TTL (exported
/// to the tests by the stack; the server's default is 1800 s) plus a sweep and the task timeout.
std::chrono::seconds release_limit() {
  auto ttl = optional_env("RESERVATION_TTL");
  long seconds = ttl ? std::atol(ttl->c_str()) : 1800;
  if (seconds <= 0 || seconds > 120)
    throw std::runtime_error("reservation expiry needs a stack with RESERVATION_TTL of 1..120 s exported to the tests "
                             "(and reservations.release in BEAT_SCHEDULE every few seconds); RESERVATION_TTL is " +
                             (ttl ? "'" + *ttl + "'" : std::string{"unset (the server's default: 1800)"}));
  return std::chrono::seconds(seconds) + task_timeout();
}

int64_t stat_of(const http_test::response& r, const char* key) { return http_test::int_of(r.json, key).value_or(-1); }

}  // namespace

BOOST_AUTO_TEST_SUITE(async_processes_periodic)

BOOST_AUTO_TEST_CASE(the_beat_releases_an_unpaid_orders_stock, *boost::unit_test::label("module.products_orders") *
                                                                   boost::unit_test::label("module.cart_orders")) {
  auto limit = release_limit();
  auto staff = staff_session();
  auto product = product_factory{staff}.create("Reserved", "40.00", 3);
  session buyer, latecomer;
  buyer.sign_up("reserving");
  latecomer.sign_up("latecomer");
  auto order_id = order_factory{buyer}.create_id({{product.id, 3}});
  BOOST_TEST(stock_of(buyer, product.id) == 0);
  // While it is reserved nobody else can have it.
  CHECK_ERROR(latecomer.post("/api/cart/items/", json_object{{"product_id", product.id}, {"quantity", 1}}), 409,
              "insufficient_stock");

  // Nobody pays: once the reservation expires the beat cancels the order and the stock returns.
  auto order = read_until(
    buyer, order_path(order_id), [](const http_test::response& r) { return r.str("status") == "cancelled"; }, limit);
  BOOST_TEST_REQUIRE(order.str("status") == "cancelled", "not released within " << limit.count() << " s: "
                                                                               << order.describe());
  BOOST_TEST(order.str("payment_status") == "unpaid");
  auto stock = read_until(
    buyer, "/api/products/" + std::to_string(product.id) + "/",
    [](const http_test::response& r) { return http_test::int_of(r.json, "quantity") == std::optional<int64_t>{3}; });
  BOOST_TEST(http_test::int_of(stock.json, "quantity") == std::optional<int64_t>{3}, stock.describe());

  // The released stock is for sale again, and the expired order can no longer be paid.
  CHECK_STATUS(latecomer.post("/api/cart/items/", json_object{{"product_id", product.id}, {"quantity", 3}}), 201);
  auto paid_late = order_factory{buyer}.pay(order_id);
  BOOST_TEST((paid_late.status == 409), paid_late.describe());
  CHECK_STATUS(payment_mock{}.verify_charged(order_id, 0, 0), 202);
}

BOOST_AUTO_TEST_CASE(tracked_events_reach_the_statistics, *boost::unit_test::label("flow.analytics_data")) {
  auto staff = staff_session();
  session visitor;  // anonymous, like a storefront visitor
  session customer;
  customer.sign_up("analytics");

  // document bug: the statistics were read anonymously; they are staff-only.
  CHECK_ERROR(visitor.get("/api/analytics/stats/"), 401, "not_authenticated");
  CHECK_ERROR(customer.get("/api/analytics/stats/"), 403, "permission_denied");

  auto before = staff.get("/api/analytics/stats/");
  REQUIRE_STATUS(before, 200);
  auto tag = unique_tag("visit");
  auto track = [&](session& who, const std::string& type) {
    auto r = who.post("/api/analytics/track/",
                      json_object{{"type", type}, {"session_id", tag}, {"product_id", "p-" + tag}, {"page", "/catalog"}});
    CHECK_STATUS(r, 200);
    BOOST_TEST(r.str("status") == "tracked", r.describe());
    return r;
  };
  for (int i = 0; i < 4; ++i)
    track(visitor, "page_view");
  track(customer, "add_to_cart");
  track(customer, "add_to_cart");
  track(customer, "purchase");
  // A malformed event type is refused, not counted.
  CHECK_FIELD_ERROR(visitor.post("/api/analytics/track/", json_object{{"type", "Page View!"}}), "type");

  // The writer stores events in batches (ANALYTICS_FLUSH_MS): the counts rise once it has. Other
  // tests may track at the same time, so each count rises by at least ours.
  http_test::response after;
  bool counted = eventually([&] {
    after = staff.get("/api/analytics/stats/");
    return after.status == 200 && stat_of(after, "page_views") >= stat_of(before, "page_views") + 4 &&
           stat_of(after, "add_to_cart") >= stat_of(before, "add_to_cart") + 2 &&
           stat_of(after, "purchases") >= stat_of(before, "purchases") + 1;
  }, std::chrono::seconds(10));
  BOOST_TEST(counted, "before: " << before.describe() << " after: " << after.describe());
  BOOST_TEST(stat_of(after, "total_events") >= stat_of(before, "total_events") + 7, after.describe());
  auto page_views = stat_of(after, "page_views");
  auto expected_rate = page_views > 0 ? static_cast<double>(stat_of(after, "purchases")) / page_views : 0.0;
  BOOST_TEST(http_test::number_of(after.json, "conversion_rate") == expected_rate,
             boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
