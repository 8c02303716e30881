// The document's test data (its _create_test_products, _create_test_order and the missing
// _create_paid_order, section 4; document bug: they were defined in one class and called from
// others, with signatures that did not match). Products are created by staff with run-unique
// SKUs and every creation is asserted (document bug: products were created with a customer token
// and anything but 201 was silently skipped). Each factory throws with the answer on failure.
#pragma once

#include "tests/integration/base/session.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace integration {

struct test_product {
  int64_t id = 0;
  std::string name;
  std::string sku;
  double price = 0;
  int64_t quantity = 0;
};

class product_factory {
public:
  /// `staff` must be a staff session (staff_session()).
  explicit product_factory(session& staff) : staff_(staff) {}
  /// POST /api/products/ with a unique name and SKU built from `label`, `price` as a JSON number
  /// spelt as given ("100.00") and `quantity` in stock.
  test_product create(const std::string& label, const std::string& price, int quantity);
  /// The document's _create_test_products(count): "Integration Test Product i", price 100 + 50 i,
  /// 10 in stock.
  std::vector<test_product> create_many(int count, int quantity = 10);

private:
  session& staff_;
};

/// GET /api/products/{id}/ -> its stock; throws unless 200.
int64_t stock_of(session& s, int64_t product_id);

/// The document's address (section 4.1) with country RU; `city` is the only part tests vary.
std::string document_address(const std::string& city = "Moscow");
/// The document's POST /api/orders/ body: shipping and billing address, payment_method "card",
/// shipping_method "standard", and `items` ({product id, quantity}); no items = from the cart.
std::string document_order_body(const std::vector<std::pair<int64_t, int>>& items);

class order_factory {
public:
  /// Orders placed by `buyer` (a signed-in session).
  explicit order_factory(session& buyer) : buyer_(buyer) {}
  /// POST /api/orders/ with `items`; the created order's JSON answer (201 asserted).
  http_test::response create(const std::vector<std::pair<int64_t, int>>& items);
  /// The id of a new order of `items`.
  int64_t create_id(const std::vector<std::pair<int64_t, int>>& items);
  /// The document's missing _create_paid_order: a new order paid through POST
  /// /api/payments/process/ (200 with status "succeeded" asserted); its id.
  int64_t create_paid(const std::vector<std::pair<int64_t, int>>& items);
  /// POST /api/payments/process/ for `order_id` with a unique payment token.
  http_test::response pay(int64_t order_id);

private:
  session& buyer_;
};

/// Member `key` of an object answer as int64, throwing with the answer when it is missing.
int64_t id_of(const http_test::response& r, const char* key = "id");

}  // namespace integration
