// Orders (API.md §3.4 without /process/, §4) against the shared server: the document's user
// order flow from the cart, explicit items, all-or-nothing reservation, validation, ownership,
// cancellation and the Idempotency-Key.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>

using namespace http_test;

namespace {

std::string order_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/"; }
std::string cancel_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/cancel/"; }

const std::set<std::string> order_keys = {
  "id",         "user_id",          "status",           "payment_status",    "items",
  "subtotal",   "shipping_cost",    "total",            "refunded_amount",   "currency",
  "shipping_address", "billing_address", "payment_method", "shipping_method", "inventory_reserved",
  "payment_processed", "shipping_created", "created_at", "updated_at"};

struct expected_line {
  int64_t product_id;
  std::string name;
  double unit_price;
  int64_t quantity;
};

/// O with its fixed fields for a fresh order and exactly `lines` (in any order).
void check_new_order(const response& r, int64_t user_id, const std::vector<expected_line>& lines,
                     const std::string& context) {
  BOOST_TEST_REQUIRE((r.is_json && r.json.IsObject()), context << ": " << r.describe());
  const auto& o = r.json;
  BOOST_TEST((keys_of(o) == order_keys), context << ": order has other keys than O: " << r.body);
  BOOST_TEST(int_of(o, "id").value_or(0) > 0, context << ": id");
  BOOST_TEST(int_of(o, "user_id") == std::optional<int64_t>{user_id}, context << ": user_id");
  BOOST_TEST(string_of(o, "status") == "pending", context);
  BOOST_TEST(string_of(o, "payment_status") == "unpaid", context);
  BOOST_TEST(string_of(o, "currency") == "RUB", context);
  BOOST_TEST((o.HasMember("inventory_reserved") && o["inventory_reserved"].IsBool() && o["inventory_reserved"].GetBool()),
             context << ": inventory_reserved");
  BOOST_TEST((o.HasMember("payment_processed") && o["payment_processed"].IsBool() && !o["payment_processed"].GetBool()),
             context << ": payment_processed");
  BOOST_TEST((o.HasMember("shipping_created") && o["shipping_created"].IsBool() && !o["shipping_created"].GetBool()),
             context << ": shipping_created");
  for (const char* key : {"created_at", "updated_at"})
    BOOST_TEST(is_iso8601_utc(string_of(o, key)), context << ": " << key << " is not ISO-8601 UTC");

  BOOST_TEST_REQUIRE((o.HasMember("items") && o["items"].IsArray()), context << ": items");
  BOOST_TEST(o["items"].Size() == lines.size(), context << ": item count: " << r.body);
  double subtotal = 0;
  for (const auto& want : lines) {
    subtotal += want.unit_price * static_cast<double>(want.quantity);
    const rapidjson::Value* found = nullptr;
    for (const auto& item : o["items"].GetArray())
      if (int_of(item, "product_id") == std::optional<int64_t>{want.product_id})
        found = &item;
    BOOST_TEST_REQUIRE(found, context << ": no item for product " << want.product_id << ": " << r.body);
    const auto& item = *found;
    BOOST_TEST((keys_of(item) ==
                std::set<std::string>{"product_id", "product_name", "sku", "unit_price", "quantity", "line_total"}),
               context << ": item keys");
    BOOST_TEST(string_of(item, "product_name") == want.name, context);
    BOOST_TEST(string_of(item, "sku") != "<missing>", context);
    BOOST_TEST(same_money(number_of(item, "unit_price"), want.unit_price), context << ": unit_price");
    BOOST_TEST(int_of(item, "quantity") == std::optional<int64_t>{want.quantity}, context << ": quantity");
    BOOST_TEST(same_money(number_of(item, "line_total"), want.unit_price * static_cast<double>(want.quantity)),
               context << ": line_total");
  }
  BOOST_TEST(same_money(number_of(o, "subtotal"), subtotal), context << ": subtotal " << number_of(o, "subtotal"));
  BOOST_TEST(same_money(number_of(o, "total"), subtotal), context << ": total");
  BOOST_TEST(same_money(number_of(o, "shipping_cost"), 0.0), context << ": shipping_cost");
  BOOST_TEST(same_money(number_of(o, "refunded_amount"), 0.0), context << ": refunded_amount");
}

/// GET /api/cart/ -> the number of lines.
size_t cart_lines(client& c, const std::string& token) {
  auto r = c.get("/api/cart/", token);
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  return r.json["items"].Size();
}

int64_t ledger_sum(int64_t product_id) {
  return db_int("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                {std::to_string(product_id)});
}

/// True if the error's message or field messages name `id` as a whole number.
bool error_names(const response& r, int64_t id) {
  const std::regex number{"(^|[^0-9])" + std::to_string(id) + "([^0-9]|$)"};
  if (!r.is_json || !r.json.IsObject() || !r.json.HasMember("error"))
    return false;
  const auto& e = r.json["error"];
  if (std::regex_search(string_of(e, "message"), number))
    return true;
  if (e.HasMember("fields") && e["fields"].IsObject())
    for (const auto& f : e["fields"].GetObject())
      if (f.value.IsArray())
        for (const auto& m : f.value.GetArray())
          if (m.IsString() && std::regex_search(m.GetString(), number))
            return true;
  return false;
}

std::string items_json(const std::vector<std::pair<int64_t, int>>& items) {
  json_array out;
  for (const auto& [product_id, quantity] : items)
    out.add(json_object{{"product_id", product_id}, {"quantity", quantity}});
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(order_flow)

BOOST_AUTO_TEST_CASE(user_order_flow_from_the_cart) {
  // The document's TestUserOrderFlow: products, cart, order, the order read back.
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-flow");
  const int64_t laptop = create_product(c, staff.access, "Flow laptop", "1500.00", 10);
  const int64_t mouse = create_product(c, staff.access, "Flow mouse", "250.50", 5);

  REQUIRE_STATUS(c.post("/api/cart/items/", json_object{{"product_id", laptop}, {"quantity", 2}}, user.access),
                 201);
  REQUIRE_STATUS(c.post("/api/cart/items/", json_object{{"product_id", mouse}}, user.access), 201);

  const std::string address =
    R"({"first_name":"Anna","last_name":"Ivanova","street":"Nevsky 10","city":"Saint Petersburg","postal_code":"191025"})";
  auto created = c.post("/api/orders/", json_object{{"shipping_address", json_raw(address)}, {"payment_method", "card"}}, user.access);
  REQUIRE_STATUS(created, 201);
  check_new_order(created, user.id, {{laptop, "Flow laptop", 1500.00, 2}, {mouse, "Flow mouse", 250.50, 1}},
                  "order from the cart");
  BOOST_TEST(created.body.find("\"total\":3250.50") != std::string::npos, created.body);
  const int64_t id = *int_of(created.json, "id");
  const auto& o = created.json;
  BOOST_TEST(string_of(o, "payment_method") == "card");
  BOOST_TEST(string_of(o, "shipping_method") == "standard");
  // The address is echoed with the default country; billing defaults to shipping.
  rapidjson::Document want;
  want.Parse(R"({"first_name":"Anna","last_name":"Ivanova","street":"Nevsky 10","city":"Saint Petersburg",)"
             R"("postal_code":"191025","country":"RU"})");
  BOOST_TEST((o.HasMember("shipping_address") && o["shipping_address"] == want),
             "shipping_address: " << created.body);
  BOOST_TEST((o.HasMember("billing_address") && o["billing_address"] == want), "billing_address: " << created.body);

  // The stock is reserved, the ledger says so, and the cart is empty.
  BOOST_TEST(stock_of(c, laptop) == 8);
  BOOST_TEST(stock_of(c, mouse) == 4);
  BOOST_TEST(ledger_sum(laptop) == 8);
  BOOST_TEST(ledger_sum(mouse) == 4);
  BOOST_TEST(cart_lines(c, user.access) == 0u, "the cart was not emptied");

  // GET shows the same order.
  auto got = c.get(order_path(id), user.access);
  REQUIRE_STATUS(got, 200);
  BOOST_TEST((got.json == created.json), "GET differs from the POST:\n  POST " << created.body << "\n  GET  " << got.body);

  // The list shows it first.
  auto listed = c.get("/api/orders/", user.access);
  REQUIRE_STATUS(listed, 200);
  BOOST_TEST_REQUIRE((listed.json.IsObject() && listed.json.HasMember("results") && listed.json["results"].IsArray() &&
                      listed.json["results"].Size() >= 1u),
                     listed.describe());
  BOOST_TEST(int_of(listed.json, "count") == std::optional<int64_t>{1});
  BOOST_TEST((listed.json["results"][0] == created.json), "the listed order differs: " << listed.body);
}

BOOST_AUTO_TEST_CASE(order_list_is_own_newest_first_and_paginated) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-list");
  auto other = new_account(c, "order-list-other");
  const int64_t p = create_product(c, staff.access, "Listed", "1.00", 100);
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    auto r = c.post("/api/orders/", order_body({{p, i}}), user.access);
    REQUIRE_STATUS(r, 201);
    ids.push_back(*int_of(r.json, "id"));
  }
  auto ids_of = [](const response& r) {
    std::vector<int64_t> out;
    if (r.is_json && r.json.IsObject() && r.json.HasMember("results") && r.json["results"].IsArray())
      for (const auto& o : r.json["results"].GetArray())
        out.push_back(int_of(o, "id").value_or(-1));
    return out;
  };
  auto first = c.get("/api/orders/?page_size=2", user.access);
  REQUIRE_STATUS(first, 200);
  BOOST_TEST((keys_of(first.json) == std::set<std::string>{"count", "next", "previous", "results"}), first.body);
  BOOST_TEST(int_of(first.json, "count") == std::optional<int64_t>{3});
  BOOST_TEST((ids_of(first) == std::vector<int64_t>{ids[2], ids[1]}), "newest first: " << first.body);
  BOOST_TEST(first.json["next"].IsString(), first.body);
  BOOST_TEST(first.json["previous"].IsNull(), first.body);
  auto second = c.get("/api/orders/?page_size=2&page=2", user.access);
  REQUIRE_STATUS(second, 200);
  BOOST_TEST((ids_of(second) == std::vector<int64_t>{ids[0]}), second.body);
  BOOST_TEST(second.json["next"].IsNull(), second.body);
  BOOST_TEST(second.json["previous"].IsString(), second.body);
  auto past = c.get("/api/orders/?page_size=2&page=3", user.access);
  REQUIRE_STATUS(past, 200);
  BOOST_TEST(ids_of(past).empty(), past.body);
  CHECK_FIELD_ERROR(c.get("/api/orders/?page=0", user.access), "page");
  CHECK_FIELD_ERROR(c.get("/api/orders/?page_size=abc", user.access), "page_size");

  // Only the caller's own orders, staff included.
  auto theirs = c.get("/api/orders/", other.access);
  REQUIRE_STATUS(theirs, 200);
  BOOST_TEST(int_of(theirs.json, "count") == std::optional<int64_t>{0}, theirs.body);
  auto staff_list = c.get("/api/orders/?page_size=100", staff.access);
  REQUIRE_STATUS(staff_list, 200);
  for (const auto& o : staff_list.json["results"].GetArray())
    BOOST_TEST(int_of(o, "user_id") == std::optional<int64_t>{staff.id}, "staff sees another user's order");
  CHECK_ERROR(c.get("/api/orders/"), 401, "not_authenticated");
}

BOOST_AUTO_TEST_CASE(explicit_items_leave_the_cart_alone_and_repeats_are_summed) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-items");
  const int64_t in_cart = create_product(c, staff.access, "Cart only", "9.99", 10);
  const int64_t b = create_product(c, staff.access, "Items B", "2.50", 10);
  const int64_t d = create_product(c, staff.access, "Items D", "100.00", 3);
  REQUIRE_STATUS(c.post("/api/cart/items/", json_object{{"product_id", in_cart}}, user.access), 201);

  auto r = c.post("/api/orders/",
                  json_object{{"items", json_raw(items_json({{b, 2}, {d, 1}, {b, 3}}))},
                              {"shipping_address", json_raw(address_json("Kazan"))},
                              {"shipping_method", "express"}},
                  user.access);
  REQUIRE_STATUS(r, 201);
  check_new_order(r, user.id, {{b, "Items B", 2.50, 5}, {d, "Items D", 100.00, 1}}, "explicit items");
  BOOST_TEST(string_of(r.json, "shipping_method") == "express");
  BOOST_TEST(string_of(r.json["shipping_address"], "city") == "Kazan");
  BOOST_TEST(string_of(r.json["shipping_address"], "country") == "RU");
  BOOST_TEST(stock_of(c, b) == 5);
  BOOST_TEST(stock_of(c, d) == 2);
  BOOST_TEST(stock_of(c, in_cart) == 10);
  BOOST_TEST(cart_lines(c, user.access) == 1u, "an order with items changed the cart");

  // An explicit billing address and country are kept.
  auto billed = c.post("/api/orders/",
                       json_object{{"items", json_raw(items_json({{d, 1}}))},
                                   {"shipping_address", json_raw(address_json())},
                                   {"billing_address", json_object{{"first_name", "Olga"},
                                                                   {"last_name", "Sidorova"},
                                                                   {"street", "Main St 5"},
                                                                   {"city", "Minsk"},
                                                                   {"postal_code", "220000"},
                                                                   {"country", "BY"}}}},
                       user.access);
  REQUIRE_STATUS(billed, 201);
  BOOST_TEST(string_of(billed.json["billing_address"], "city") == "Minsk");
  BOOST_TEST(string_of(billed.json["billing_address"], "country") == "BY");
  BOOST_TEST(string_of(billed.json["shipping_address"], "city") == "Moscow");
}

BOOST_AUTO_TEST_CASE(empty_cart_is_400_cart_empty) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "order-empty");
  CHECK_ERROR(c.post("/api/orders/", order_body({}), user.access), 400, "cart_empty");
  CHECK_ERROR(c.post("/api/orders/", json_object{{"items", nullptr}, {"shipping_address", json_raw(address_json())}}, user.access), 400,
              "cart_empty");
  auto list = c.get("/api/orders/", user.access);
  BOOST_TEST(int_of(list.json, "count") == std::optional<int64_t>{0}, list.body);
}

BOOST_AUTO_TEST_CASE(short_stock_reserves_nothing) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-short");
  const int64_t plenty = create_product(c, staff.access, "Plenty", "1.00", 5);
  const int64_t scarce = create_product(c, staff.access, "Scarce", "1.00", 2);

  // Explicit items: the line that fits is not reserved either.
  auto r = c.post("/api/orders/", order_body({{plenty, 3}, {scarce, 3}}), user.access);
  CHECK_ERROR(r, 409, "insufficient_stock");
  BOOST_TEST(error_names(r, scarce), "the error does not name the short product " << scarce << ": " << r.body);
  BOOST_TEST(!error_names(r, plenty), "the error names a product that has enough stock: " << r.body);
  BOOST_TEST(stock_of(c, plenty) == 5);
  BOOST_TEST(stock_of(c, scarce) == 2);

  // From the cart: the stock fell after the items were added.
  REQUIRE_STATUS(c.post("/api/cart/items/", json_object{{"product_id", plenty}, {"quantity", 2}}, user.access),
                 201);
  REQUIRE_STATUS(c.post("/api/cart/items/", json_object{{"product_id", scarce}, {"quantity", 2}}, user.access),
                 201);
  REQUIRE_STATUS(c.put("/api/products/" + std::to_string(scarce) + "/inventory/", R"({"quantity":1})", staff.access), 200);
  auto from_cart = c.post("/api/orders/", order_body({}), user.access);
  CHECK_ERROR(from_cart, 409, "insufficient_stock");
  BOOST_TEST(error_names(from_cart, scarce), from_cart.body);
  BOOST_TEST(stock_of(c, plenty) == 5);
  BOOST_TEST(stock_of(c, scarce) == 1);
  BOOST_TEST(cart_lines(c, user.access) == 2u, "a failed order changed the cart");
  BOOST_TEST(ledger_sum(plenty) == 5);
  BOOST_TEST(ledger_sum(scarce) == 1);
  auto list = c.get("/api/orders/", user.access);
  BOOST_TEST(int_of(list.json, "count") == std::optional<int64_t>{0}, "a failed order was stored: " << list.body);
}

BOOST_AUTO_TEST_CASE(bad_orders_are_400_naming_the_field) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-bad");
  const int64_t p = create_product(c, staff.access, "Validated", "1.00", 10);
  const json_value items = json_raw(items_json({{p, 1}}));
  auto with = [&](const json_object& body) { return c.post("/api/orders/", body, user.access); };
  const json_value ship = json_raw(address_json());

  CHECK_FIELD_ERROR(with(json_object{{"items", items}}), "shipping_address");
  CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", "Moscow"}}), "shipping_address");
  const std::vector<std::pair<std::string, std::string>> address = {
    {"first_name", "Ivan"}, {"last_name", "Petrov"}, {"street", "Tverskaya 1"}, {"city", "Moscow"},
    {"postal_code", "125009"}};
  for (const auto& entry : address) {
    const auto& field = entry.first;
    json_object partial;  // the address without `field`
    for (const auto& [name, value] : address)
      if (name != field)
        partial.add(name, value);
    CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", partial}}), "shipping_address." + field);
    CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", json_object(partial).add(field, "  ")}}),
                      "shipping_address." + field);
    CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", ship}, {"billing_address", partial}}),
                      "billing_address." + field);
  }
  CHECK_FIELD_ERROR(with(json_object{{"items", items},
                                     {"shipping_address", json_object{{"first_name", "Ivan"},
                                                                      {"last_name", "Petrov"},
                                                                      {"street", "Tverskaya 1"},
                                                                      {"city", 7},
                                                                      {"postal_code", "125009"}}}}),
                    "shipping_address.city");

  // Items.
  auto line = [&](const json_value& quantity) { return json_object{{"product_id", p}, {"quantity", quantity}}; };
  auto with_items = [&](const json_value& list) { return with(json_object{{"items", list}, {"shipping_address", ship}}); };
  CHECK_FIELD_ERROR(with_items(json_array{line(0)}), "items.0.quantity");
  CHECK_FIELD_ERROR(with_items(json_array{line(1), line(1000)}), "items.1.quantity");
  for (const char* q : {"-1", "true", "1.5", "\"2\"", "null"})
    CHECK_FIELD_ERROR(with_items(json_array{line(json_raw(q))}), "items.0.quantity");
  CHECK_FIELD_ERROR(with_items(json_array{json_object{{"product_id", p}}}), "items.0.quantity");
  CHECK_FIELD_ERROR(with_items(json_array{json_object{{"product_id", "x"}, {"quantity", 1}}}), "items.0.product_id");
  CHECK_FIELD_ERROR(with_items(json_array{json_object{{"quantity", 1}}}), "items.0.product_id");
  CHECK_FIELD_ERROR(with_items(json_array{}), "items");
  CHECK_FIELD_ERROR(with_items("all"), "items");
  CHECK_FIELD_ERROR(with_items(json_array{5}), "items.0");
  std::vector<std::pair<int64_t, int>> too_many(101, {p, 1});
  CHECK_FIELD_ERROR(with_items(json_raw(items_json(too_many))), "items");
  CHECK_ERROR(with_items(json_array{json_object{{"product_id", 999999999}, {"quantity", 1}}}), 400, "validation_error");

  // Methods.
  CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", ship}, {"payment_method", "cash"}}),
                    "payment_method");
  CHECK_FIELD_ERROR(with(json_object{{"items", items}, {"shipping_address", ship}, {"shipping_method", "drone"}}),
                    "shipping_method");

  // None of it reserved anything or created an order.
  BOOST_TEST(stock_of(c, p) == 10);
  auto list = c.get("/api/orders/", user.access);
  BOOST_TEST(int_of(list.json, "count") == std::optional<int64_t>{0}, list.body);
  // Anonymous first, whatever the body.
  CHECK_ERROR(c.post("/api/orders/", "{\"items\": "), 401, "not_authenticated");
}

BOOST_AUTO_TEST_CASE(other_users_orders_are_404_and_staff_sees_them) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto owner = new_account(c, "order-owner");
  auto other = new_account(c, "order-other");
  const int64_t p = create_product(c, staff.access, "Owned", "5.00", 10);
  auto created = c.post("/api/orders/", order_body({{p, 2}}), owner.access);
  REQUIRE_STATUS(created, 201);
  const int64_t id = *int_of(created.json, "id");

  CHECK_ERROR(c.get(order_path(id), other.access), 404, "not_found");
  CHECK_ERROR(c.post(cancel_path(id), "", other.access), 404, "not_found");
  CHECK_ERROR(c.get(order_path(999'999'999), owner.access), 404, "not_found");
  CHECK_ERROR(c.post(cancel_path(999'999'999), "", owner.access), 404, "not_found");
  CHECK_ERROR(c.get("/api/orders/abc/", owner.access), 404, "not_found");
  CHECK_ERROR(c.get(order_path(id)), 401, "not_authenticated");
  CHECK_ERROR(c.post(cancel_path(id), ""), 401, "not_authenticated");

  auto seen = c.get(order_path(id), staff.access);
  REQUIRE_STATUS(seen, 200);
  BOOST_TEST(int_of(seen.json, "user_id") == std::optional<int64_t>{owner.id});
  // The other user's cancel changed nothing.
  auto mine = c.get(order_path(id), owner.access);
  REQUIRE_STATUS(mine, 200);
  BOOST_TEST(string_of(mine.json, "status") == "pending");
  BOOST_TEST(stock_of(c, p) == 8);
}

BOOST_AUTO_TEST_CASE(cancel_restores_the_stock_once) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-cancel");
  const int64_t a = create_product(c, staff.access, "Cancel A", "4.00", 10);
  const int64_t b = create_product(c, staff.access, "Cancel B", "6.00", 4);
  auto created = c.post("/api/orders/", order_body({{a, 3}, {b, 4}}), user.access);
  REQUIRE_STATUS(created, 201);
  const int64_t id = *int_of(created.json, "id");
  BOOST_TEST(stock_of(c, a) == 7);
  BOOST_TEST(stock_of(c, b) == 0);

  auto cancelled = c.post(cancel_path(id), "", user.access);
  REQUIRE_STATUS(cancelled, 200);
  BOOST_TEST(int_of(cancelled.json, "id") == std::optional<int64_t>{id});
  BOOST_TEST(string_of(cancelled.json, "status") == "cancelled", cancelled.body);
  BOOST_TEST(string_of(cancelled.json, "payment_status") == "unpaid", cancelled.body);
  BOOST_TEST(stock_of(c, a) == 10);
  BOOST_TEST(stock_of(c, b) == 4);

  CHECK_ERROR(c.post(cancel_path(id), "{}", user.access), 409, "invalid_order_state");
  BOOST_TEST(stock_of(c, a) == 10, "a second cancel released the stock again");
  BOOST_TEST(stock_of(c, b) == 4);
  auto got = c.get(order_path(id), user.access);
  REQUIRE_STATUS(got, 200);
  BOOST_TEST(string_of(got.json, "status") == "cancelled");
  BOOST_TEST(ledger_sum(a) == 10);
  BOOST_TEST(ledger_sum(b) == 4);
  BOOST_TEST(db_int("SELECT count(*) FROM inventory_ledger WHERE order_id = $1::bigint AND reason = 'order_cancelled'",
                    {std::to_string(id)}) == 2);
}

BOOST_AUTO_TEST_CASE(idempotency_key) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-idem");
  auto other = new_account(c, "order-idem-other");
  const int64_t p = create_product(c, staff.access, "Idempotent", "10.00", 10);
  const auto pid = std::to_string(p);
  const auto key = unique_tag("key-");
  const std::string body = json_object{{"items", json_array{json_object{{"product_id", p}, {"quantity", 2}}}},
                                       {"shipping_address", json_raw(address_json())}};
  // The same request with its keys reordered and other whitespace.
  const std::string same = "{\n  \"shipping_address\" : { \"postal_code\" : \"125009\", \"city\" : \"Moscow\",\n"
                           "    \"street\" : \"Tverskaya 1\", \"last_name\" : \"Petrov\", \"first_name\" : \"Ivan\" },\n"
                           "  \"items\" : [ { \"quantity\" : 2, \"product_id\" : " + pid + " } ]\n}";

  auto first = post_with_key(c, "/api/orders/", body, user.access, key);
  REQUIRE_STATUS(first, 201);
  BOOST_TEST(!first.has_header("Idempotent-Replayed"), "a first request marked as replayed");
  const int64_t id = *int_of(first.json, "id");
  BOOST_TEST(stock_of(c, p) == 8);

  auto replay = post_with_key(c, "/api/orders/", same, user.access, key);
  REQUIRE_STATUS(replay, 201);
  BOOST_TEST(int_of(replay.json, "id") == std::optional<int64_t>{id}, replay.body);
  BOOST_TEST(replay.header("Idempotent-Replayed") == "true", "no Idempotent-Replayed: true on a replay");
  BOOST_TEST((replay.json == first.json), "the replayed body differs:\n  " << first.body << "\n  " << replay.body);
  BOOST_TEST(stock_of(c, p) == 8, "the replay reserved stock again");

  // The same key with another body.
  auto reused = post_with_key(c, "/api/orders/", order_body({{p, 3}}), user.access, key);
  CHECK_ERROR(reused, 422, "idempotency_key_reused");
  BOOST_TEST(stock_of(c, p) == 8);

  // Another user's key never collides.
  auto theirs = post_with_key(c, "/api/orders/", body, other.access, key);
  REQUIRE_STATUS(theirs, 201);
  BOOST_TEST(int_of(theirs.json, "id") != std::optional<int64_t>{id});
  BOOST_TEST(int_of(theirs.json, "user_id") == std::optional<int64_t>{other.id});
  BOOST_TEST(!theirs.has_header("Idempotent-Replayed"));
  BOOST_TEST(stock_of(c, p) == 6);
  auto mine = c.get("/api/orders/", user.access);
  BOOST_TEST(int_of(mine.json, "count") == std::optional<int64_t>{1}, mine.body);

  // Key syntax: 1..255 visible ASCII characters.
  CHECK_STATUS(post_with_key(c, "/api/orders/", order_body({{p, 1}}), user.access, std::string(256, 'k')), 400);
  CHECK_STATUS(post_with_key(c, "/api/orders/", order_body({{p, 1}}), user.access, "has space"), 400);
  request_options empty_key;  // "Name;" makes libcurl send the header with an empty value
  empty_key.bearer = user.access;
  empty_key.headers.push_back("Idempotency-Key;");
  CHECK_STATUS(c.request("POST", "/api/orders/", order_body({{p, 1}}), empty_key), 400);
  BOOST_TEST(stock_of(c, p) == 6, "a refused key reserved stock");
  auto longest = unique_tag("k");
  longest += std::string(255 - longest.size(), 'k');
  auto at_limit = post_with_key(c, "/api/orders/", order_body({{p, 1}}), user.access, longest);
  CHECK_STATUS(at_limit, 201);
  BOOST_TEST(stock_of(c, p) == 5);
}

BOOST_AUTO_TEST_CASE(failed_requests_do_not_store_the_key) {
  // API.md §4: results that are not 2xx are not stored, so a retry with the same key may succeed.
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "order-idem-retry");
  const int64_t p = create_product(c, staff.access, "Restocked later", "3.00", 1);
  const auto key = unique_tag("retry-");
  CHECK_ERROR(post_with_key(c, "/api/orders/", order_body({{p, 2}}), user.access, key), 409, "insufficient_stock");
  REQUIRE_STATUS(c.put("/api/products/" + std::to_string(p) + "/inventory/", R"({"quantity":5,"operation":"restock"})",
                       staff.access),
                 200);
  auto retry = post_with_key(c, "/api/orders/", order_body({{p, 2}}), user.access, key);
  REQUIRE_STATUS(retry, 201);
  BOOST_TEST(!retry.has_header("Idempotent-Replayed"));
  BOOST_TEST(stock_of(c, p) == 4);
  // Now the key belongs to that order: another body is 422.
  CHECK_ERROR(post_with_key(c, "/api/orders/", order_body({{p, 1}}), user.access, key), 422, "idempotency_key_reused");
  const auto key2 = unique_tag("bad-");
  // A validation failure does not claim the key either.
  CHECK_FIELD_ERROR(post_with_key(c, "/api/orders/", json_object{{"items", json_array{}}, {"shipping_address", json_raw(address_json())}},
                                  user.access, key2),
                    "items");
  CHECK_STATUS(post_with_key(c, "/api/orders/", order_body({{p, 1}}), user.access, key2), 201);
  BOOST_TEST(stock_of(c, p) == 3);
}

BOOST_AUTO_TEST_SUITE_END()
