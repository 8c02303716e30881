// What a store needs around the document's order flow (API.md §3.4, §4, §8): a cart ordered
// under an Idempotency-Key is ordered once however often the client retries, and an unpaid order
// the user cancels gives its stock back.
#include "tests/integration/base/integration_base.hpp"

using namespace integration;
using http_test::json_object;

BOOST_AUTO_TEST_SUITE(user_flows_order_lifecycle)

BOOST_AUTO_TEST_CASE(a_retried_cart_checkout_orders_once, *boost::unit_test::label("module.cart_orders") *
                                                             boost::unit_test::label("module.products_orders")) {
  auto staff = staff_session();
  auto product = product_factory{staff}.create("Retried checkout", "75.00", 6);
  session buyer;
  buyer.sign_up("retry");
  REQUIRE_STATUS(buyer.post("/api/cart/items/", json_object{{"product_id", product.id}, {"quantity", 2}}), 201);

  auto key = "checkout-" + unique_tag();
  auto first = buyer.post_with_key("/api/orders/", document_order_body({}), key);
  REQUIRE_STATUS(first, 201);
  // The client lost the answer and sends the same request again: the same order comes back.
  auto again = buyer.post_with_key("/api/orders/", document_order_body({}), key);
  REQUIRE_STATUS(again, 201);
  BOOST_TEST(id_of(again) == id_of(first));
  BOOST_TEST(again.header("Idempotent-Replayed") == "true", again.describe());
  BOOST_TEST(stock_of(buyer, product.id) == 4, "the stock was taken once");
  auto orders = buyer.get("/api/orders/");
  REQUIRE_STATUS(orders, 200);
  BOOST_TEST(orders.json["count"].GetInt64() == 1, orders.describe());
  // The cart was emptied by the first request; a new key finds it empty.
  CHECK_ERROR(buyer.post_with_key("/api/orders/", document_order_body({}), key + "-2"), 400, "cart_empty");
}

BOOST_AUTO_TEST_CASE(cancelling_an_unpaid_order_restores_its_stock, *boost::unit_test::label("module.products_orders") *
                                                                       boost::unit_test::label("module.users_orders")) {
  auto staff = staff_session();
  auto product = product_factory{staff}.create("Cancelled", "30.00", 4);
  session buyer;
  buyer.sign_up("cancel");
  order_factory orders{buyer};
  auto order_id = orders.create_id({{product.id, 3}});
  BOOST_TEST(stock_of(buyer, product.id) == 1);

  auto cancelled = buyer.post("/api/orders/" + std::to_string(order_id) + "/cancel/");
  REQUIRE_STATUS(cancelled, 200);
  BOOST_TEST(cancelled.str("status") == "cancelled");
  BOOST_TEST(stock_of(buyer, product.id) == 4);
  // A cancelled order is neither paid nor cancelled again, and nothing reached the gateway.
  CHECK_ERROR(orders.pay(order_id), 409, "invalid_order_state");
  CHECK_ERROR(buyer.post("/api/orders/" + std::to_string(order_id) + "/cancel/"), 409, "invalid_order_state");
  CHECK_STATUS(payment_mock{}.verify_charged(order_id, 0, 0), 202);
  BOOST_TEST(stock_of(buyer, product.id) == 4, "a refused second cancel must not restore the stock twice");
}

BOOST_AUTO_TEST_SUITE_END()
