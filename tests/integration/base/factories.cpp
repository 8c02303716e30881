#include "tests/integration/base/factories.hpp"

#include "tests/http/support/builders.hpp"
#include "tests/http/support/json_body.hpp"
#include "tests/http/support/json_read.hpp"

#include <stdexcept>

namespace integration {

using http_test::json_array;
using http_test::json_object;
using http_test::json_raw;

int64_t id_of(const http_test::response& r, const char* key) {
  if (r.is_json && r.json.IsObject() && r.json.HasMember(key) && r.json[key].IsInt64())
    return r.json[key].GetInt64();
  throw std::runtime_error(r.request + ": no integer \"" + key + "\" in the answer: " + r.describe());
}

test_product product_factory::create(const std::string& label, const std::string& price, int quantity) {
  test_product p;
  p.name = label + " " + unique_tag("p");
  p.sku = http_test::unique_sku("INT");
  auto r = staff_.post("/api/products/", json_object{{"name", p.name},
                                                     {"description", "Product for integration testing: " + label},
                                                     {"price", json_raw(price)},
                                                     {"sku", p.sku},
                                                     {"quantity", quantity}});
  if (r.status != 201)
    throw std::runtime_error("creating product " + p.sku + " as staff failed: " + r.describe());
  p.id = id_of(r);
  p.price = http_test::number_of(r.json, "price");
  p.quantity = http_test::int_of(r.json, "quantity").value_or(-1);
  return p;
}

std::vector<test_product> product_factory::create_many(int count, int quantity) {
  std::vector<test_product> out;
  for (int i = 0; i < count; ++i)
    out.push_back(create("Integration Test Product " + std::to_string(i), std::to_string(100 + i * 50) + ".00", quantity));
  return out;
}

int64_t stock_of(session& s, int64_t product_id) {
  auto r = s.get("/api/products/" + std::to_string(product_id) + "/");
  auto q = r.status == 200 ? http_test::int_of(r.json, "quantity") : std::nullopt;
  if (!q)
    throw std::runtime_error("reading the stock of product " + std::to_string(product_id) + ": " + r.describe());
  return *q;
}

std::string document_address(const std::string& city) {
  return json_object{{"first_name", "Test"}, {"last_name", "User"},      {"street", "Test Street 123"},
                     {"city", city},         {"postal_code", "123456"}, {"country", "RU"}};
}

std::string document_order_body(const std::vector<std::pair<int64_t, int>>& items) {
  json_object body;
  if (!items.empty()) {
    json_array list;
    for (const auto& [product_id, quantity] : items)
      list.add(json_object{{"product_id", product_id}, {"quantity", quantity}});
    body.add("items", list);
  }
  return body.add("shipping_address", json_raw(document_address()))
    .add("billing_address", json_raw(document_address()))
    .add("payment_method", "card")
    .add("shipping_method", "standard");
}

http_test::response order_factory::create(const std::vector<std::pair<int64_t, int>>& items) {
  auto r = buyer_.post("/api/orders/", document_order_body(items));
  if (r.status != 201)
    throw std::runtime_error("creating an order as " + buyer_.user().email + " failed: " + r.describe());
  return r;
}

int64_t order_factory::create_id(const std::vector<std::pair<int64_t, int>>& items) { return id_of(create(items)); }

http_test::response order_factory::pay(int64_t order_id) {
  return buyer_.post("/api/payments/process/", json_object{{"order_id", order_id},
                                                           {"payment_method", "card"},
                                                           {"payment_token", "tok_" + unique_tag()}});
}

int64_t order_factory::create_paid(const std::vector<std::pair<int64_t, int>>& items) {
  auto id = create_id(items);
  auto r = pay(id);
  if (r.status != 200 || r.str("status") != "succeeded")
    throw std::runtime_error("paying order " + std::to_string(id) + " failed: " + r.describe());
  return id;
}

}  // namespace integration
