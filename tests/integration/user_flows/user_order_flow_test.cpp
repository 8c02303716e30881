// The document's TestUserOrderFlow (section 4.1): products, cart, order from the cart, payment,
// order status, with the effects checked where they land: stock, the emptied cart, the charge at
// the payment mock, the order_confirmation e-mail at the e-mail mock and in the order's
// notifications. Plus the module pairs the flow relies on: only staff write the catalog
// (auth → products) and a user's orders are the user's alone (users → orders).
#include "tests/integration/base/integration_base.hpp"

#include <algorithm>

using namespace integration;
using http_test::json_object;
using http_test::number_of;
using http_test::same_money;
using http_test::string_of;

namespace {

std::string order_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/"; }

/// Whether the paginated list answer holds an order with `id`.
bool lists_order(const http_test::response& r, int64_t id) {
  if (r.status != 200 || !r.json.IsObject() || !r.json.HasMember("results") || !r.json["results"].IsArray())
    return false;
  const auto& results = r.json["results"].GetArray();
  return std::any_of(results.begin(), results.end(), [&](const rapidjson::Value& o) {
    return o.IsObject() && o.HasMember("id") && o["id"].IsInt64() && o["id"].GetInt64() == id;
  });
}

bool flag(const http_test::response& r, const char* key) {
  return r.json.IsObject() && r.json.HasMember(key) && r.json[key].IsBool() && r.json[key].GetBool();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(user_flows_orders)

BOOST_AUTO_TEST_CASE(test_complete_order_flow, *boost::unit_test::label("flow.product_purchase") *
                                                   boost::unit_test::label("module.cart_orders") *
                                                   boost::unit_test::label("module.products_orders") *
                                                   boost::unit_test::label("module.orders_payments") *
                                                   boost::unit_test::label("module.payments_notifications")) {
  // setUp: a signed-in buyer and three products.
  // document bug: create_test_user used the fixed test@example.com and dropped the token after a
  // 201, so the cart and order calls were anonymous; a unique buyer keeps its token.
  // document bug: _create_test_products used the customer's token and skipped anything but 201;
  // staff create them with run-unique SKUs and every creation is asserted.
  session buyer;
  buyer.sign_up("order-flow", json_object{{"first_name", "Test"}, {"last_name", "User"}});
  auto staff = staff_session();
  auto products = product_factory{staff}.create_many(3);
  BOOST_TEST_REQUIRE(products.size() == 3u);

  // 1. Add two of each product to the cart.
  double expected_total = 0;
  for (const auto& p : products) {
    auto added = buyer.post("/api/cart/items/", json_object{{"product_id", p.id}, {"quantity", 2}});
    REQUIRE_STATUS(added, 201);
    BOOST_TEST(http_test::int_of(added.json, "product_id") == std::optional<int64_t>{p.id});
    BOOST_TEST(http_test::int_of(added.json, "quantity") == std::optional<int64_t>{2});
    expected_total += p.price * 2;
  }

  // 2. The cart holds them.
  auto cart = buyer.get("/api/cart/");
  REQUIRE_STATUS(cart, 200);
  BOOST_TEST_REQUIRE(cart.json["items"].IsArray(), cart.describe());
  BOOST_TEST(cart.json["items"].Size() == products.size());
  BOOST_TEST(http_test::int_of(cart.json, "total_quantity") == std::optional<int64_t>{6});
  BOOST_TEST(same_money(number_of(cart.json, "total"), expected_total), cart.describe());

  // 3. Order the cart (no items in the body): pending, unpaid, stock reserved, cart emptied.
  auto order = buyer.post("/api/orders/", document_order_body({}));
  REQUIRE_STATUS(order, 201);
  auto order_id = id_of(order);
  BOOST_TEST(order.str("status") == "pending");
  BOOST_TEST(order.str("payment_status") == "unpaid");
  BOOST_TEST(flag(order, "inventory_reserved"), order.describe());
  BOOST_TEST(order.json["items"].Size() == products.size(), order.describe());
  BOOST_TEST(same_money(number_of(order.json, "total"), expected_total), order.describe());
  BOOST_TEST(string_of(order.json["shipping_address"], "city") == "Moscow", order.describe());
  auto emptied = buyer.get("/api/cart/");
  REQUIRE_STATUS(emptied, 200);
  BOOST_TEST(emptied.json["items"].Size() == 0u, emptied.describe());
  for (const auto& p : products)
    BOOST_TEST(stock_of(buyer, p.id) == p.quantity - 2, "stock of " << p.sku);

  // 4. Pay. The stack's payment mock answers the create call "pending" and the status check
  // "succeeded" (the document's two expectations), so the charge succeeds.
  // document bug: it accepted a "pending" payment here and still expected a confirmed order below;
  // with the document's mocks the charge succeeds, so that is what is asserted.
  auto payment = buyer.post("/api/payments/process/", json_object{{"order_id", order_id},
                                                                  {"payment_method", "card"},
                                                                  {"payment_token", "mock_payment_token_123"}});
  REQUIRE_STATUS(payment, 200);
  BOOST_TEST(payment.str("status") == "succeeded", payment.describe());
  BOOST_TEST(http_test::int_of(payment.json, "order_id") == std::optional<int64_t>{order_id});
  BOOST_TEST(same_money(number_of(payment.json, "amount"), expected_total), payment.describe());
  payment_mock payments;
  CHECK_STATUS(payments.verify_charged(order_id, 1, 1), 202);

  // 5. The order is confirmed and paid.
  auto updated = buyer.get(order_path(order_id));
  REQUIRE_STATUS(updated, 200);
  auto status = updated.str("status");
  BOOST_TEST((status == "confirmed" || status == "processing"), updated.describe());
  BOOST_TEST(updated.str("payment_status") == "paid");
  BOOST_TEST(flag(updated, "payment_processed"), updated.describe());

  // payments → notifications: the order_confirmation e-mail went to the buyer, once, and is
  // recorded as the order's notification.
  email_mock mail;
  auto email = buyer.user().email;
  http_test::response sent;
  eventually([&] { return (sent = mail.verify_sent(email, "order_confirmation", order_id, 1, 1)).status == 202; },
             std::chrono::seconds(10));
  CHECK_STATUS(sent, 202);
  // The record may follow the e-mail by a moment: poll for it.
  http_test::response notifications;
  auto confirmation_recorded = [&] {
    notifications = buyer.get("/api/notifications/order/" + std::to_string(order_id) + "/");
    if (notifications.status != 200 || !notifications.json.IsArray())
      return false;
    const auto& list = notifications.json.GetArray();
    return std::any_of(list.begin(), list.end(), [&](const rapidjson::Value& n) {
      return string_of(n, "type") == "email" && string_of(n, "notification_type") == "order_confirmation" &&
             string_of(n, "status") == "sent" && string_of(n, "recipient") == email;
    });
  };
  BOOST_TEST(eventually(confirmation_recorded, std::chrono::seconds(10)),
             notifications.describe());
}

// auth → products: the catalog is written only with a staff token, and what staff write is
// what everyone reads.
BOOST_AUTO_TEST_CASE(catalog_writes_need_a_staff_token, *boost::unit_test::label("module.auth_products")) {
  auto sku = http_test::unique_sku("AUTH");
  std::string body = json_object{{"name", "Auth " + sku}, {"price", 100.0}, {"sku", sku}, {"quantity", 10}};
  session anonymous;
  CHECK_ERROR(anonymous.post("/api/products/", body), 401, "not_authenticated");
  session customer;
  customer.sign_up("catalog");
  CHECK_ERROR(customer.post("/api/products/", body), 403, "permission_denied");
  CHECK_STATUS(anonymous.get("/api/products/?search=" + sku), 200);
  BOOST_TEST(anonymous.get("/api/products/?search=" + sku).json["count"].GetInt64() == 0,
             "a refused write must not create the product");

  auto staff = staff_session();
  auto created = staff.post("/api/products/", body);
  REQUIRE_STATUS(created, 201);
  auto id = id_of(created);
  auto listed = anonymous.get("/api/products/?search=" + sku);
  REQUIRE_STATUS(listed, 200);
  BOOST_TEST(listed.json["count"].GetInt64() == 1, listed.describe());
  auto read = customer.get("/api/products/" + std::to_string(id) + "/");
  REQUIRE_STATUS(read, 200);
  BOOST_TEST(read.str("sku") == sku);

  // A customer can neither change nor delete it; staff can.
  std::string path = "/api/products/" + std::to_string(id) + "/";
  CHECK_ERROR(customer.patch(path, json_object{{"price", 1.0}}), 403, "permission_denied");
  CHECK_ERROR(customer.del(path), 403, "permission_denied");
  auto repriced = staff.patch(path, json_object{{"price", 120.5}});
  REQUIRE_STATUS(repriced, 200);
  BOOST_TEST(same_money(number_of(customer.get(path).json, "price"), 120.5));
  CHECK_STATUS(staff.del(path), 204);
  CHECK_ERROR(customer.get(path), 404, "not_found");
}

// users → orders: an order belongs to the user who placed it; nobody else sees it.
BOOST_AUTO_TEST_CASE(users_see_only_their_own_orders, *boost::unit_test::label("module.users_orders")) {
  auto staff = staff_session();
  auto product = product_factory{staff}.create("Owned", "50.00", 5);
  session owner, stranger;
  owner.sign_up("owner");
  stranger.sign_up("stranger");
  auto order_id = order_factory{owner}.create_id({{product.id, 1}});

  auto mine = owner.get(order_path(order_id));
  REQUIRE_STATUS(mine, 200);
  BOOST_TEST(http_test::int_of(mine.json, "user_id") == std::optional<int64_t>{owner.user().id});
  auto listed = owner.get("/api/orders/");
  BOOST_TEST(lists_order(listed, order_id), listed.describe());
  BOOST_TEST(listed.json["results"][0]["id"].GetInt64() == order_id, "newest first: " << listed.describe());

  CHECK_ERROR(stranger.get(order_path(order_id)), 404, "not_found");
  CHECK_ERROR(stranger.post(order_path(order_id) + "cancel/"), 404, "not_found");
  CHECK_ERROR(stranger.get("/api/notifications/order/" + std::to_string(order_id) + "/"), 404, "not_found");
  BOOST_TEST(!lists_order(stranger.get("/api/orders/"), order_id));
  // Staff may read it, but their own list holds only their own orders.
  CHECK_STATUS(staff.get(order_path(order_id)), 200);
  BOOST_TEST(!lists_order(staff.get("/api/orders/"), order_id));
  // The stranger's attempt changed nothing.
  BOOST_TEST(owner.get(order_path(order_id)).str("status") == "pending");
}

BOOST_AUTO_TEST_SUITE_END()
