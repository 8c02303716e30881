// The cart (API.md §3.3) against the shared server: one cart per user, lines merged by product,
// quantity and stock limits, other users' items, current prices in the totals.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace http_test;

namespace {

std::string item_path(int64_t id) { return "/api/cart/items/" + std::to_string(id) + "/"; }

std::string add_body(int64_t product_id, std::optional<int> quantity = {}) {
  json_object body{{"product_id", product_id}};
  if (quantity)
    body.add("quantity", *quantity);
  return body;
}

/// CI = {id, product_id, product_name, unit_price, quantity, line_total}, with the given values.
void check_item(const rapidjson::Value& ci, int64_t product_id, const std::string& name, double unit_price,
                int64_t quantity, const std::string& context) {
  static const std::set<std::string> keys = {"id", "product_id", "product_name", "unit_price", "quantity",
                                             "line_total"};
  BOOST_TEST_REQUIRE(ci.IsObject(), context << ": cart item is not an object");
  BOOST_TEST((keys_of(ci) == keys), context << ": cart item has other keys than CI");
  BOOST_TEST(int_of(ci, "id").value_or(0) > 0, context << ": id");
  BOOST_TEST(int_of(ci, "product_id") == std::optional<int64_t>{product_id}, context << ": product_id");
  BOOST_TEST(string_of(ci, "product_name") == name, context << ": product_name");
  BOOST_TEST(same_money(number_of(ci, "unit_price"), unit_price),
             context << ": unit_price " << number_of(ci, "unit_price") << " != " << unit_price);
  BOOST_TEST(int_of(ci, "quantity") == std::optional<int64_t>{quantity}, context << ": quantity");
  BOOST_TEST(same_money(number_of(ci, "line_total"), unit_price * static_cast<double>(quantity)),
             context << ": line_total " << number_of(ci, "line_total"));
}

/// GET /api/cart/, which must be 200 {items, total_quantity, total}.
response get_cart(client& c, const std::string& token) {
  auto r = c.get("/api/cart/", token);
  BOOST_TEST(r.status == 200, r.request << " -> " << r.describe());
  BOOST_TEST((r.is_json && keys_of(r.json) == std::set<std::string>{"items", "total_quantity", "total"} &&
              r.json["items"].IsArray() && r.json["total"].IsNumber()),
             "cart shape: " << r.describe());
  return r;
}

size_t line_count(const response& cart) {
  return cart.is_json && cart.json.IsObject() && cart.json.HasMember("items") && cart.json["items"].IsArray()
           ? cart.json["items"].Size()
           : 0;
}

void check_empty(const response& cart) {
  BOOST_TEST(line_count(cart) == 0u, cart.describe());
  BOOST_TEST(int_of(cart.json, "total_quantity") == std::optional<int64_t>{0}, cart.describe());
  BOOST_TEST(same_money(number_of(cart.json, "total"), 0.0), cart.describe());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cart)

BOOST_AUTO_TEST_CASE(empty_at_first) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "cart-empty");
  auto cart = get_cart(c, user.access);
  check_empty(cart);
  BOOST_TEST(cart.body.find("\"total\":0") != std::string::npos, cart.body);
}

BOOST_AUTO_TEST_CASE(add_merges_lines_and_totals_add_up) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "cart-add");
  const int64_t a = create_product(c, staff.access, "Cart kettle", "12.50", 10);
  const int64_t b = create_product(c, staff.access, "Cart cup", "3.00", 5);

  auto first = c.post("/api/cart/items/", add_body(a), user.access);  // quantity defaults to 1
  REQUIRE_STATUS(first, 201);
  check_item(first.json, a, "Cart kettle", 12.50, 1, "first add");
  BOOST_TEST(first.body.find("\"unit_price\":12.50") != std::string::npos, first.body);
  const int64_t item = *int_of(first.json, "id");

  auto again = c.post("/api/cart/items/", add_body(a, 2), user.access);
  REQUIRE_STATUS(again, 201);
  check_item(again.json, a, "Cart kettle", 12.50, 3, "second add of the same product");
  BOOST_TEST(int_of(again.json, "id") == std::optional<int64_t>{item}, "the same product got a new line: " << again.body);

  auto other = c.post("/api/cart/items/", add_body(b, 5), user.access);
  REQUIRE_STATUS(other, 201);
  check_item(other.json, b, "Cart cup", 3.00, 5, "add another product");
  BOOST_TEST(int_of(other.json, "id") != std::optional<int64_t>{item});

  auto cart = get_cart(c, user.access);
  BOOST_TEST_REQUIRE(line_count(cart) == 2u, cart.describe());
  check_item(cart.json["items"][0], a, "Cart kettle", 12.50, 3, "cart line 1");
  check_item(cart.json["items"][1], b, "Cart cup", 3.00, 5, "cart line 2");
  BOOST_TEST(int_of(cart.json, "total_quantity") == std::optional<int64_t>{8});
  BOOST_TEST(same_money(number_of(cart.json, "total"), 52.50), cart.describe());
  // A cart reserves nothing.
  BOOST_TEST(stock_of(c, a) == 10);
  BOOST_TEST(stock_of(c, b) == 5);
}

BOOST_AUTO_TEST_CASE(quantity_limits_and_bad_input) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "cart-limits");
  const int64_t id = create_product(c, staff.access, "Bulk item", "0.10", 1'000'000);

  for (const char* bad : {"0", "1000", "-1", "true", "1.5", "\"2\"", "null", "[1]"})
    CHECK_FIELD_ERROR(c.post("/api/cart/items/", json_object{{"product_id", id}, {"quantity", json_raw(bad)}}, user.access),
                      "quantity");
  for (const char* bad : {"\"x\"", "true", "1.5", "null", "999999999", "0", "-4"})
    CHECK_FIELD_ERROR(c.post("/api/cart/items/", json_object{{"product_id", json_raw(bad)}, {"quantity", 1}}, user.access),
                      "product_id");
  CHECK_FIELD_ERROR(c.post("/api/cart/items/", R"({"quantity":1})", user.access), "product_id");
  check_empty(get_cart(c, user.access));

  auto full = c.post("/api/cart/items/", add_body(id, 999), user.access);
  REQUIRE_STATUS(full, 201);
  check_item(full.json, id, "Bulk item", 0.10, 999, "999 units");
  // The sum may not pass 999: 400, and the line keeps 999.
  CHECK_FIELD_ERROR(c.post("/api/cart/items/", add_body(id, 1), user.access), "quantity");
  auto cart = get_cart(c, user.access);
  BOOST_TEST_REQUIRE(line_count(cart) == 1u, cart.describe());
  BOOST_TEST(int_of(cart.json["items"][0], "quantity") == std::optional<int64_t>{999});

  const int64_t item = *int_of(full.json, "id");
  for (const char* bad : {"0", "1000", "-2", "true", "1.5", "\"3\"", "null"})
    CHECK_FIELD_ERROR(c.patch(item_path(item), json_object{{"quantity", json_raw(bad)}}, user.access), "quantity");
  CHECK_FIELD_ERROR(c.patch(item_path(item), "{}", user.access), "quantity");
  cart = get_cart(c, user.access);
  BOOST_TEST(int_of(cart.json["items"][0], "quantity") == std::optional<int64_t>{999});
}

BOOST_AUTO_TEST_CASE(stock_limits) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "cart-stock");
  const int64_t id = create_product(c, staff.access, "Scarce", "7.00", 3);

  CHECK_ERROR(c.post("/api/cart/items/", add_body(id, 4), user.access), 409, "insufficient_stock");
  check_empty(get_cart(c, user.access));
  auto added = c.post("/api/cart/items/", add_body(id, 2), user.access);
  REQUIRE_STATUS(added, 201);
  const int64_t item = *int_of(added.json, "id");
  // 2 + 2 > 3.
  CHECK_ERROR(c.post("/api/cart/items/", add_body(id, 2), user.access), 409, "insufficient_stock");

  auto patched = c.patch(item_path(item), R"({"quantity":3})", user.access);
  REQUIRE_STATUS(patched, 200);
  check_item(patched.json, id, "Scarce", 7.00, 3, "PATCH to 3");
  BOOST_TEST(int_of(patched.json, "id") == std::optional<int64_t>{item});
  CHECK_ERROR(c.patch(item_path(item), R"({"quantity":4})", user.access), 409, "insufficient_stock");
  auto put = c.put(item_path(item), R"({"quantity":1})", user.access);
  REQUIRE_STATUS(put, 200);
  check_item(put.json, id, "Scarce", 7.00, 1, "PUT to 1");
  CHECK_ERROR(c.put(item_path(item), R"({"quantity":5})", user.access), 409, "insufficient_stock");

  auto cart = get_cart(c, user.access);
  BOOST_TEST_REQUIRE(line_count(cart) == 1u, cart.describe());
  check_item(cart.json["items"][0], id, "Scarce", 7.00, 1, "after the refused changes");
  BOOST_TEST(stock_of(c, id) == 3);
}

BOOST_AUTO_TEST_CASE(other_users_items_are_404) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto owner = new_account(c, "cart-owner");
  auto other = new_account(c, "cart-other");
  const int64_t id = create_product(c, staff.access, "Mine", "1.00", 10);
  auto added = c.post("/api/cart/items/", add_body(id, 2), owner.access);
  REQUIRE_STATUS(added, 201);
  const int64_t item = *int_of(added.json, "id");

  CHECK_ERROR(c.patch(item_path(item), R"({"quantity":5})", other.access), 404, "not_found");
  CHECK_ERROR(c.put(item_path(item), R"({"quantity":5})", other.access), 404, "not_found");
  CHECK_ERROR(c.del(item_path(item), other.access), 404, "not_found");
  // Staff is no exception: a cart belongs to its user.
  CHECK_ERROR(c.del(item_path(item), staff.access), 404, "not_found");
  CHECK_ERROR(c.patch(item_path(999'999'999), R"({"quantity":1})", owner.access), 404, "not_found");
  CHECK_ERROR(c.del(item_path(999'999'999), owner.access), 404, "not_found");
  // Clearing one's own cart leaves the others alone.
  CHECK_STATUS(c.del("/api/cart/", other.access), 204);
  check_empty(get_cart(c, other.access));

  auto cart = get_cart(c, owner.access);
  BOOST_TEST_REQUIRE(line_count(cart) == 1u, cart.describe());
  check_item(cart.json["items"][0], id, "Mine", 1.00, 2, "the owner's line after the others' attempts");
}

BOOST_AUTO_TEST_CASE(delete_item_and_clear) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "cart-del");
  const int64_t a = create_product(c, staff.access, "Del A", "2.00", 10);
  const int64_t b = create_product(c, staff.access, "Del B", "4.00", 10);
  auto first = c.post("/api/cart/items/", add_body(a, 1), user.access);
  REQUIRE_STATUS(first, 201);
  REQUIRE_STATUS(c.post("/api/cart/items/", add_body(b, 2), user.access), 201);

  auto removed = c.del(item_path(*int_of(first.json, "id")), user.access);
  CHECK_STATUS(removed, 204);
  BOOST_TEST(removed.body.empty(), "204 with a body: " << removed.body);
  auto cart = get_cart(c, user.access);
  BOOST_TEST_REQUIRE(line_count(cart) == 1u, cart.describe());
  check_item(cart.json["items"][0], b, "Del B", 4.00, 2, "the remaining line");
  BOOST_TEST(same_money(number_of(cart.json, "total"), 8.00));
  CHECK_ERROR(c.del(item_path(*int_of(first.json, "id")), user.access), 404, "not_found");

  auto cleared = c.del("/api/cart/", user.access);
  CHECK_STATUS(cleared, 204);
  BOOST_TEST(cleared.body.empty(), "204 with a body: " << cleared.body);
  check_empty(get_cart(c, user.access));
  CHECK_STATUS(c.del("/api/cart/", user.access), 204);  // an empty cart clears fine
  // The cart is usable again; a removed product comes back as a new line.
  auto readded = c.post("/api/cart/items/", add_body(a, 1), user.access);
  REQUIRE_STATUS(readded, 201);
  check_item(readded.json, a, "Del A", 2.00, 1, "added after clearing");
}

BOOST_AUTO_TEST_CASE(totals_use_the_current_price) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "cart-price");
  const int64_t id = create_product(c, staff.access, "Floating", "10.00", 10);
  REQUIRE_STATUS(c.post("/api/cart/items/", add_body(id, 3), user.access), 201);
  auto before = get_cart(c, user.access);
  BOOST_TEST(same_money(number_of(before.json, "total"), 30.00), before.describe());

  REQUIRE_STATUS(c.patch("/api/products/" + std::to_string(id) + "/", R"({"price":"12.25","name":"Floating v2"})",
                         staff.access),
                 200);
  auto after = get_cart(c, user.access);
  BOOST_TEST_REQUIRE(line_count(after) == 1u, after.describe());
  check_item(after.json["items"][0], id, "Floating v2", 12.25, 3, "after the price change");
  BOOST_TEST(same_money(number_of(after.json, "total"), 36.75), after.describe());
  BOOST_TEST(int_of(after.json, "total_quantity") == std::optional<int64_t>{3});
}

BOOST_AUTO_TEST_CASE(anonymous_is_401) {
  client c{shared_server().base_url()};
  const std::string broken = "{\"product_id\": ";
  std::vector<response> answers;
  answers.push_back(c.get("/api/cart/"));
  answers.push_back(c.del("/api/cart/"));
  answers.push_back(c.post("/api/cart/items/", broken));
  answers.push_back(c.patch("/api/cart/items/999999999/", broken));
  answers.push_back(c.put("/api/cart/items/1/", broken));
  answers.push_back(c.del("/api/cart/items/999999999/"));
  for (const auto& r : answers) {
    CHECK_ERROR(r, 401, "not_authenticated");
    BOOST_TEST(r.header("WWW-Authenticate") == "Bearer", r.request << ": no WWW-Authenticate");
  }
}

BOOST_AUTO_TEST_SUITE_END()
