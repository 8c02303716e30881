// The catalog and inventory (API.md §3.2) against the shared server: the document's seed case,
// inventory operations and their limits, staff-only writes, validation, the product list
// (pagination, literal search, price filters, ordering), deletion and price changes that never
// reach existing orders.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

using namespace http_test;

namespace {

std::string product_path(int64_t id) { return "/api/products/" + std::to_string(id) + "/"; }
std::string inventory_path(int64_t id) { return "/api/products/" + std::to_string(id) + "/inventory/"; }

const std::set<std::string> product_keys = {"id",       "name",       "description", "price",     "sku",
                                            "quantity", "is_active",  "created_at",  "updated_at"};

/// P = {id, name, description, price, sku, quantity, is_active, created_at, updated_at}.
void check_product_shape(const rapidjson::Value& p, const std::string& context) {
  BOOST_TEST_REQUIRE(p.IsObject(), context << ": product is not an object");
  BOOST_TEST((keys_of(p) == product_keys), context << ": product has other keys than P");
  BOOST_TEST(int_of(p, "id").value_or(0) > 0, context << ": id");
  BOOST_TEST((p.HasMember("price") && p["price"].IsNumber()), context << ": price is not a JSON number");
  BOOST_TEST(int_of(p, "quantity").has_value(), context << ": quantity is not an integer");
  BOOST_TEST((p.HasMember("is_active") && p["is_active"].IsBool()), context << ": is_active");
  for (const char* key : {"created_at", "updated_at"})
    BOOST_TEST(is_iso8601_utc(string_of(p, key)), context << ": " << key << " is not ISO-8601 UTC");
}

/// The ids of a page's results, in order.
std::vector<int64_t> result_ids(const response& r) {
  std::vector<int64_t> ids;
  if (r.is_json && r.json.IsObject() && r.json.HasMember("results") && r.json["results"].IsArray())
    for (const auto& p : r.json["results"].GetArray())
      ids.push_back(int_of(p, "id").value_or(-1));
  return ids;
}

size_t result_count(const response& r) { return result_ids(r).size(); }

/// GET /api/products/ with the given query string (already encoded).
response list(client& c, const std::string& query) { return c.get("/api/products/?" + query); }

/// `next`/`previous` of a page: a URL string turned into the path to request, "" for null.
std::string link_path(const response& r, const char* key) {
  if (!r.is_json || !r.json.IsObject() || !r.json.HasMember(key) || r.json[key].IsNull())
    return "";
  if (!r.json[key].IsString())
    return "<not a string>";
  std::string url = r.json[key].GetString();
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? "<no path in " + url + ">" : url.substr(path);
}

std::string inventory_body(int64_t quantity, const std::string& operation = "", std::optional<int64_t> product_id = {}) {
  json_object body{{"quantity", quantity}};
  if (!operation.empty())
    body.add("operation", operation);
  if (product_id)
    body.add("product_id", *product_id);
  return body;
}

int64_t ledger_sum(int64_t product_id) {
  return db_int("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                {std::to_string(product_id)});
}

/// 200 {product_id, operation, quantity: <new stock>}.
void check_inventory_reply(const response& r, int64_t id, const std::string& operation, int64_t stock) {
  HTTP_TEST_EXPECT(BOOST_TEST, r, x_.status == 200, "HTTP 200");
  if (r.status != 200)
    return;
  BOOST_TEST(int_of(r.json, "product_id") == std::optional<int64_t>{id}, r.describe());
  BOOST_TEST(string_of(r.json, "operation") == operation, r.describe());
  BOOST_TEST(int_of(r.json, "quantity") == std::optional<int64_t>{stock}, r.describe());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(seed_case_sale_of_5_from_50) {
  // The document: a product with stock 50, PUT {"product_id": id, "quantity": 5}, GET shows 45.
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto sku = unique_sku("SEED");
  auto created = c.post("/api/products/", product_body("Seed product", "99.99", 50, sku, "from the document"),
                        staff.access);
  REQUIRE_STATUS(created, 201);
  check_product_shape(created.json, "POST /api/products/");
  const int64_t id = *int_of(created.json, "id");
  BOOST_TEST(string_of(created.json, "name") == "Seed product");
  BOOST_TEST(string_of(created.json, "sku") == sku);
  BOOST_TEST(string_of(created.json, "description") == "from the document");
  BOOST_TEST(created.body.find("\"price\":99.99") != std::string::npos, "price should render as 99.99: " << created.body);
  BOOST_TEST(int_of(created.json, "quantity") == std::optional<int64_t>{50});
  BOOST_TEST(created.json["is_active"].GetBool() == true);

  auto sale = c.put(inventory_path(id), json_object{{"product_id", id}, {"quantity", 5}}, staff.access);
  check_inventory_reply(sale, id, "sale", 45);

  auto got = c.get(product_path(id));
  REQUIRE_STATUS(got, 200);
  check_product_shape(got.json, "GET product");
  BOOST_TEST(int_of(got.json, "quantity") == std::optional<int64_t>{45}, got.describe());
  BOOST_TEST(ledger_sum(id) == 45, "the inventory ledger does not add up to the stock");
}

BOOST_AUTO_TEST_CASE(create_defaults_and_partial_updates) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  // quantity and description are optional; the price may be a decimal string.
  auto created = c.post("/api/products/",
                        json_object{{"name", "Defaults"}, {"price", "19.9"}, {"sku", unique_sku("DEF")}},
                        staff.access);
  REQUIRE_STATUS(created, 201);
  check_product_shape(created.json, "POST with defaults");
  const int64_t id = *int_of(created.json, "id");
  BOOST_TEST(int_of(created.json, "quantity") == std::optional<int64_t>{0});
  BOOST_TEST(string_of(created.json, "description") == "");
  BOOST_TEST(created.body.find("\"price\":19.90") != std::string::npos, created.body);

  // PATCH a subset: the rest stays. Read-only fields are ignored.
  auto patched = c.patch(product_path(id), R"({"name":"Renamed","is_active":false,"id":1,"created_at":"2000-01-01T00:00:00Z"})",
                         staff.access);
  REQUIRE_STATUS(patched, 200);
  check_product_shape(patched.json, "PATCH");
  BOOST_TEST(string_of(patched.json, "name") == "Renamed");
  BOOST_TEST(same_money(number_of(patched.json, "price"), 19.90), patched.describe());
  BOOST_TEST(int_of(patched.json, "id") == std::optional<int64_t>{id});
  BOOST_TEST(patched.json["is_active"].GetBool() == true, patched.describe());
  BOOST_TEST(string_of(patched.json, "created_at") == string_of(created.json, "created_at"));
  CHECK_STATUS(c.get(product_path(id)), 200);

  // PUT also takes a subset; quantity is writable and goes through the ledger.
  auto put = c.put(product_path(id), R"({"price":25,"quantity":12,"description":"now in stock"})", staff.access);
  REQUIRE_STATUS(put, 200);
  BOOST_TEST(string_of(put.json, "name") == "Renamed");
  BOOST_TEST(put.body.find("\"price\":25.00") != std::string::npos, put.body);
  BOOST_TEST(int_of(put.json, "quantity") == std::optional<int64_t>{12});
  BOOST_TEST(string_of(put.json, "description") == "now in stock");
  BOOST_TEST(stock_of(c, id) == 12);
  BOOST_TEST(ledger_sum(id) == 12);
}

BOOST_AUTO_TEST_CASE(inventory_operations) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const int64_t id = create_product(c, staff.access, "Inventory ops", "10.00", 50);

  check_inventory_reply(c.put(inventory_path(id), inventory_body(25, "restock"), staff.access), id, "restock", 75);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(7, "set", id), staff.access), id, "set", 7);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(2, "sale"), staff.access), id, "sale", 5);
  BOOST_TEST(stock_of(c, id) == 5);

  // A sale of more than the stock: 409, nothing changes.
  auto oversale = c.put(inventory_path(id), inventory_body(6), staff.access);
  CHECK_ERROR(oversale, 409, "insufficient_stock");
  BOOST_TEST(stock_of(c, id) == 5);
  // Exactly the stock is fine; then the stock is 0 and any sale is refused.
  check_inventory_reply(c.put(inventory_path(id), inventory_body(5), staff.access), id, "sale", 0);
  CHECK_ERROR(c.put(inventory_path(id), inventory_body(1), staff.access), 409, "insufficient_stock");
  BOOST_TEST(stock_of(c, id) == 0);

  // set assigns 0..1 000 000; restock may not take the stock above 1 000 000.
  check_inventory_reply(c.put(inventory_path(id), inventory_body(0, "set"), staff.access), id, "set", 0);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(999'990, "set"), staff.access), id, "set", 999'990);
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(11, "restock"), staff.access), "quantity");
  BOOST_TEST(stock_of(c, id) == 999'990);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(10, "restock"), staff.access), id, "restock",
                        1'000'000);
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1, "restock"), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1'000'001, "set"), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1'000'001, "restock"), staff.access), "quantity");
  BOOST_TEST(stock_of(c, id) == 1'000'000);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(1'000'000, "sale"), staff.access), id, "sale", 0);
  check_inventory_reply(c.put(inventory_path(id), inventory_body(8, "set"), staff.access), id, "set", 8);

  // Out-of-range quantities, bad operations, a product_id that is not the path's.
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(0, "sale"), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(0, "restock"), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(-1, "set"), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(-3), staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1, "steal"), staff.access), "operation");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), R"({"operation":"sale"})", staff.access), "quantity");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1, "sale", id + 1), staff.access), "product_id");
  CHECK_FIELD_ERROR(c.put(inventory_path(id), inventory_body(1, "set", id + 1), staff.access), "product_id");
  for (const char* q : {"true", "1.5", "\"2\"", "null", "[1]"})
    CHECK_FIELD_ERROR(c.put(inventory_path(id), json_object{{"quantity", json_raw(q)}}, staff.access), "quantity");
  BOOST_TEST(stock_of(c, id) == 8, "a refused inventory change altered the stock");
  BOOST_TEST(ledger_sum(id) == 8, "the inventory ledger does not add up to the stock");

  // Unknown products.
  CHECK_ERROR(c.put(inventory_path(999'999'999), inventory_body(1), staff.access), 404, "not_found");
}

BOOST_AUTO_TEST_CASE(writes_are_staff_only) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "catalog-user");
  const int64_t id = create_product(c, staff.access, "Guarded", "5.00", 10);
  const std::string missing = product_path(999'999'999);
  const std::string broken = "{\"name\": ";  // not JSON: roles are checked first

  struct attempt {
    std::string method, path;
  };
  const std::vector<attempt> writes = {
    {"POST", "/api/products/"},   {"PUT", product_path(id)},          {"PATCH", product_path(id)},
    {"DELETE", product_path(id)}, {"PUT", inventory_path(id)},        {"PUT", missing},
    {"PATCH", missing},           {"DELETE", missing},                {"PUT", "/api/products/999999999/inventory/"},
  };
  for (const auto& w : writes) {
    std::optional<std::string> body;
    if (w.method != "DELETE")
      body = broken;
    request_options as_user;
    as_user.bearer = user.access;
    CHECK_ERROR(c.request(w.method, w.path, body, as_user), 403, "permission_denied");
    auto anonymous = c.request(w.method, w.path, body);
    CHECK_ERROR(anonymous, 401, "not_authenticated");
    BOOST_TEST(anonymous.header("WWW-Authenticate") == "Bearer", anonymous.request << ": no WWW-Authenticate");
  }
  // A well-formed body is refused the same way, and nothing changed.
  CHECK_ERROR(c.post("/api/products/", product_body("Sneaky", "1.00", 1, unique_sku()), user.access), 403,
              "permission_denied");
  CHECK_ERROR(c.put(inventory_path(id), inventory_body(5), user.access), 403, "permission_denied");
  CHECK_ERROR(c.del(product_path(id), user.access), 403, "permission_denied");
  auto after = c.get(product_path(id));
  REQUIRE_STATUS(after, 200);
  BOOST_TEST(int_of(after.json, "quantity") == std::optional<int64_t>{10});
  BOOST_TEST(string_of(after.json, "name") == "Guarded");
  // Reads are open to anyone.
  CHECK_STATUS(c.get(product_path(id), user.access), 200);
  CHECK_STATUS(c.get("/api/products/"), 200);
}

BOOST_AUTO_TEST_CASE(duplicate_sku_is_409) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto sku = unique_sku("DUP");
  REQUIRE_STATUS(c.post("/api/products/", product_body("First", "1.00", 1, sku), staff.access), 201);
  CHECK_ERROR(c.post("/api/products/", product_body("Second", "2.00", 2, sku), staff.access), 409, "sku_exists");
  // Another product cannot take it either, and the failed PATCH changes nothing.
  const int64_t other = create_product(c, staff.access, "Other", "3.00", 3);
  auto before = c.get(product_path(other));
  REQUIRE_STATUS(before, 200);
  CHECK_ERROR(c.patch(product_path(other), json_object{{"sku", sku}, {"name", "Stolen"}}, staff.access), 409,
              "sku_exists");
  auto after = c.get(product_path(other));
  REQUIRE_STATUS(after, 200);
  BOOST_TEST(string_of(after.json, "sku") == string_of(before.json, "sku"));
  BOOST_TEST(string_of(after.json, "name") == "Other");
  // Bad SKUs.
  for (const std::string& bad : {std::string{""}, std::string{"has space"}, std::string{"sémantique"},
                                 std::string(65, 'A'), std::string{"semi;colon"}})
    CHECK_FIELD_ERROR(c.post("/api/products/", product_body("Bad sku", "1.00", 1, bad), staff.access), "sku");
}

BOOST_AUTO_TEST_CASE(price_validation) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  for (const char* bad : {"12.345", "\"12.345\"", "-1", "\"-1.00\"", "0", "\"0.00\"", "0.001", "\"abc\"",
                          "10000000.01", "\"10000000.01\"", "100000000", "true", "null", "[1]", "{}", "\"\"",
                          "\"1e3\"", "\"NaN\""})
    CHECK_FIELD_ERROR(c.post("/api/products/", product_body("Bad price", bad, 1, unique_sku()), staff.access), "price");
  CHECK_FIELD_ERROR(
    c.post("/api/products/", json_object{{"name", "No price"}, {"sku", unique_sku()}}, staff.access), "price");

  // The limits themselves are fine, as numbers or strings.
  for (const auto& [price, rendered] : std::vector<std::pair<std::string, std::string>>{
         {"0.01", "0.01"}, {"\"0.01\"", "0.01"}, {"10000000", "10000000.00"}, {"\"10000000.00\"", "10000000.00"},
         {"19.99", "19.99"}, {"\"7.5\"", "7.50"}}) {
    auto r = c.post("/api/products/", product_body("Good price", price, 1, unique_sku()), staff.access);
    CHECK_STATUS(r, 201);
    BOOST_TEST(r.body.find("\"price\":" + rendered + ",") != std::string::npos,
               price << " should render as " << rendered << ": " << r.body);
  }

  // PATCH checks the price the same way and keeps the old one on failure.
  const int64_t id = create_product(c, staff.access, "Patched price", "5.55", 1);
  for (const char* bad : {"5.555", "0", "-5", "\"abc\"", "10000000.01"})
    CHECK_FIELD_ERROR(c.patch(product_path(id), json_object{{"price", json_raw(bad)}}, staff.access), "price");
  auto got = c.get(product_path(id));
  REQUIRE_STATUS(got, 200);
  BOOST_TEST(same_money(number_of(got.json, "price"), 5.55), got.describe());
}

BOOST_AUTO_TEST_CASE(name_and_quantity_validation) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  for (const std::string& bad : {std::string{""}, std::string{"   "}, std::string{"\t\n"}, std::string(256, 'n')})
    CHECK_FIELD_ERROR(c.post("/api/products/", product_body(bad, "1.00", 1, unique_sku()), staff.access), "name");
  CHECK_FIELD_ERROR(c.post("/api/products/", json_object{{"price", 1}, {"sku", unique_sku()}}, staff.access), "name");
  CHECK_FIELD_ERROR(c.post("/api/products/", json_object{{"name", 7}, {"price", 1}, {"sku", unique_sku()}}, staff.access),
                    "name");
  CHECK_STATUS(c.post("/api/products/", product_body(std::string(255, 'n'), "1.00", 1, unique_sku()), staff.access), 201);
  CHECK_FIELD_ERROR(c.post("/api/products/", product_body("Long text", "1.00", 1, unique_sku(), std::string(10'001, 'd')),
                           staff.access),
                    "description");

  // Integer fields take JSON integers only.
  for (const char* bad : {"true", "1.5", "\"2\"", "null", "[2]", "-1", "1000001"}) {
    std::string body =
      json_object{{"name", "Bad quantity"}, {"price", 1}, {"sku", unique_sku()}, {"quantity", json_raw(bad)}};
    CHECK_FIELD_ERROR(c.post("/api/products/", body, staff.access), "quantity");
  }
  const int64_t id = create_product(c, staff.access, "Blank rename", "1.00", 4);
  CHECK_FIELD_ERROR(c.patch(product_path(id), R"({"name":"  "})", staff.access), "name");
  CHECK_FIELD_ERROR(c.patch(product_path(id), R"({"quantity":1.5})", staff.access), "quantity");
  auto got = c.get(product_path(id));
  REQUIRE_STATUS(got, 200);
  BOOST_TEST(string_of(got.json, "name") == "Blank rename");
  BOOST_TEST(int_of(got.json, "quantity") == std::optional<int64_t>{4});
}

BOOST_AUTO_TEST_CASE(list_pagination) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const auto tag = unique_tag("page");
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(create_product(c, staff.access, "Paged " + tag + " #" + std::to_string(i), "1.00", 1));
  const std::string q = "search=" + tag + "&page_size=2";

  auto first = list(c, q);
  REQUIRE_STATUS(first, 200);
  BOOST_TEST_REQUIRE((first.json.IsObject() && keys_of(first.json) ==
                                                 std::set<std::string>{"count", "next", "previous", "results"}),
                     first.describe());
  BOOST_TEST(int_of(first.json, "count") == std::optional<int64_t>{5});
  BOOST_TEST((result_ids(first) == std::vector<int64_t>{ids[0], ids[1]}), "first page, by id ascending: " << first.body);
  BOOST_TEST(first.json["previous"].IsNull());
  for (const auto& p : first.json["results"].GetArray())
    check_product_shape(p, "list item");

  // Follow `next` to the end.
  auto next = link_path(first, "next");
  BOOST_TEST_REQUIRE(!next.empty(), "first page has no next: " << first.body);
  auto second = c.get(next);
  REQUIRE_STATUS(second, 200);
  BOOST_TEST((result_ids(second) == std::vector<int64_t>{ids[2], ids[3]}), second.body);
  BOOST_TEST(int_of(second.json, "count") == std::optional<int64_t>{5});
  BOOST_TEST(!link_path(second, "previous").empty(), second.body);
  auto third = c.get(link_path(second, "next"));
  REQUIRE_STATUS(third, 200);
  BOOST_TEST((result_ids(third) == std::vector<int64_t>{ids[4]}), third.body);
  BOOST_TEST(third.json["next"].IsNull(), third.body);
  // `previous` leads back.
  auto back = c.get(link_path(third, "previous"));
  REQUIRE_STATUS(back, 200);
  BOOST_TEST((result_ids(back) == std::vector<int64_t>{ids[2], ids[3]}), back.body);

  // Past the end: 200 with no results.
  auto past = list(c, q + "&page=4");
  REQUIRE_STATUS(past, 200);
  BOOST_TEST(result_count(past) == 0u, past.body);
  BOOST_TEST(int_of(past.json, "count") == std::optional<int64_t>{5});
  BOOST_TEST(past.json["next"].IsNull(), past.body);
  CHECK_STATUS(list(c, q + "&page=1000000"), 200);

  // page and page_size must be positive integers.
  for (const char* bad : {"page=0", "page=abc", "page=-1", "page=1.5", "page=", "page_size=0", "page_size=abc",
                          "page_size=-5", "page=99999999999999999999"})
    CHECK_FIELD_ERROR(list(c, bad), std::string{bad}.substr(0, std::string{bad}.find('=')));

  // page_size above 100 is clamped to 100.
  const auto many = unique_tag("many");
  for (int i = 0; i < 101; ++i)
    create_product(c, staff.access, "Bulk " + many + " #" + std::to_string(i), "1.00", 0);
  auto clamped = list(c, "search=" + many + "&page_size=1000");
  REQUIRE_STATUS(clamped, 200);
  BOOST_TEST(int_of(clamped.json, "count") == std::optional<int64_t>{101});
  BOOST_TEST(result_count(clamped) == 100u);
  auto rest = c.get(link_path(clamped, "next"));
  REQUIRE_STATUS(rest, 200);
  BOOST_TEST(result_count(rest) == 1u, "page 2 of 101 with page size 100: " << rest.describe());
  // The default page size is 20.
  auto defaults = list(c, "search=" + many);
  REQUIRE_STATUS(defaults, 200);
  BOOST_TEST(result_count(defaults) == 20u);
}

BOOST_AUTO_TEST_CASE(search_is_a_literal_case_insensitive_substring) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const auto tag = unique_tag("srch");  // lower-case letters and digits
  std::string upper = tag;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });

  const int64_t by_name = create_product(c, staff.access, "Lamp " + upper + " deluxe", "1.00", 1);
  const int64_t by_description = create_product(c, staff.access, "Plain", "1.00", 1, "a desk lamp, model D" + upper);
  auto sku = "SKU-" + upper + "-Z";
  auto sku_created = c.post("/api/products/", product_body("Plain too", "1.00", 1, sku), staff.access);
  REQUIRE_STATUS(sku_created, 201);
  const int64_t by_sku = *int_of(sku_created.json, "id");

  auto ids_for = [&](const std::string& term) {
    auto r = list(c, "page_size=100&search=" + url_encode(term));
    BOOST_TEST(r.status == 200, r.request << " -> " << r.describe());
    auto ids = result_ids(r);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  BOOST_TEST((ids_for(tag) == std::vector<int64_t>{by_name, by_description, by_sku}));
  BOOST_TEST((ids_for(upper) == std::vector<int64_t>{by_name, by_description, by_sku}));
  BOOST_TEST((ids_for("lamp " + tag + " DELUXE") == std::vector<int64_t>{by_name}));
  BOOST_TEST((ids_for("model d" + tag) == std::vector<int64_t>{by_description}));
  BOOST_TEST((ids_for("sku-" + tag + "-z") == std::vector<int64_t>{by_sku}));
  BOOST_TEST((ids_for(tag + "nothing") == std::vector<int64_t>{}));

  // %, _ and \ are literal: each decoy would match if they were wildcards.
  const int64_t percent = create_product(c, staff.access, "Cotton " + tag + "100%off", "1.00", 1);
  create_product(c, staff.access, "Cotton " + tag + "100xoff", "1.00", 1);
  create_product(c, staff.access, "Cotton " + tag + "100off", "1.00", 1);
  const int64_t underscore = create_product(c, staff.access, "Part " + tag + "a_b", "1.00", 1);
  create_product(c, staff.access, "Part " + tag + "axb", "1.00", 1);
  const int64_t backslash = create_product(c, staff.access, "Path " + tag + "c\\d", "1.00", 1);
  create_product(c, staff.access, "Path " + tag + "cd", "1.00", 1);
  create_product(c, staff.access, "Path " + tag + "c\\\\d", "1.00", 1);
  BOOST_TEST((ids_for(tag + "100%off") == std::vector<int64_t>{percent}));
  BOOST_TEST((ids_for(tag + "100%") == std::vector<int64_t>{percent}));
  BOOST_TEST((ids_for(tag + "a_b") == std::vector<int64_t>{underscore}));
  BOOST_TEST((ids_for(tag + "c\\d") == std::vector<int64_t>{backslash}));
  // A bare wildcard matches only products that contain it.
  for (const std::string& wildcard : {std::string{"%"}, std::string{"_"}, std::string{"\\"}}) {
    auto r = list(c, "page_size=100&search=" + url_encode(wildcard));
    REQUIRE_STATUS(r, 200);
    for (const auto& p : r.json["results"].GetArray()) {
      auto text = string_of(p, "name") + "\n" + string_of(p, "description") + "\n" + string_of(p, "sku");
      BOOST_TEST(text.find(wildcard) != std::string::npos,
                 "search=" << wildcard << " returned product " << int_of(p, "id").value_or(-1) << " without it");
    }
  }

  // Non-ASCII text of the same case; and text that would break a naive SQL string.
  const int64_t cyrillic = create_product(c, staff.access, "Электрический Чайник-" + tag, "1.00", 1, "Стальной корпус");
  BOOST_TEST((ids_for("Чайник-" + tag) == std::vector<int64_t>{cyrillic}));
  BOOST_TEST((ids_for("Электрический Чайник-" + upper) == std::vector<int64_t>{cyrillic}));
  BOOST_TEST_MESSAGE("search in another Cyrillic case (not required) finds "
                     << ids_for("чайник-" + tag).size() << " product(s)");
  const int64_t quoted = create_product(c, staff.access, "O'Reilly \"" + tag + "\" guide", "1.00", 1);
  BOOST_TEST((ids_for("O'Reilly \"" + tag) == std::vector<int64_t>{quoted}));
  BOOST_TEST((ids_for(tag + "' OR '1'='1") == std::vector<int64_t>{}));
  auto all_then = list(c, "search=" + url_encode("' OR 1=1 --"));
  CHECK_STATUS(all_then, 200);
  BOOST_TEST(int_of(all_then.json, "count") == std::optional<int64_t>{0}, all_then.body);
}

BOOST_AUTO_TEST_CASE(search_longer_than_200_characters_is_refused) {
  // Characters, not bytes: 200 Cyrillic letters (400 bytes) are fine, 201 are not.
  client c{shared_server().base_url()};
  std::string letters;
  for (int i = 0; i < 200; ++i)
    letters += "\xD0\x96";  // Ж
  CHECK_STATUS(list(c, "search=" + url_encode(letters)), 200);
  auto r = list(c, "search=" + url_encode(letters + "a"));
  CHECK_FIELD_ERROR(r, "search");
  CHECK_FIELD_ERROR(list(c, "search=" + std::string(300, 'a')), "search");
}

BOOST_AUTO_TEST_CASE(price_filters_and_ordering) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const auto tag = unique_tag("ord");
  const int64_t alpha = create_product(c, staff.access, "Alpha " + tag, "30.00", 1);
  const int64_t bravo = create_product(c, staff.access, "Bravo " + tag, "10.00", 1);
  const int64_t charlie = create_product(c, staff.access, "Charlie " + tag, "20.50", 1);
  auto ids = [&](const std::string& extra) {
    auto r = list(c, "search=" + tag + extra);
    BOOST_TEST(r.status == 200, r.request << " -> " << r.describe());
    return result_ids(r);
  };
  using v = std::vector<int64_t>;
  BOOST_TEST((ids("") == v{alpha, bravo, charlie}));
  BOOST_TEST((ids("&ordering=price") == v{bravo, charlie, alpha}));
  BOOST_TEST((ids("&ordering=-price") == v{alpha, charlie, bravo}));
  BOOST_TEST((ids("&ordering=name") == v{alpha, bravo, charlie}));
  BOOST_TEST((ids("&ordering=-name") == v{charlie, bravo, alpha}));
  BOOST_TEST((ids("&min_price=20.50") == v{alpha, charlie}));
  BOOST_TEST((ids("&max_price=20.5") == v{bravo, charlie}));
  BOOST_TEST((ids("&min_price=15&max_price=25") == v{charlie}));
  BOOST_TEST((ids("&min_price=10&max_price=30&ordering=-price") == v{alpha, charlie, bravo}));
  BOOST_TEST((ids("&min_price=31") == v{}));
  auto filtered = list(c, "search=" + tag + "&max_price=20.5");
  BOOST_TEST(int_of(filtered.json, "count") == std::optional<int64_t>{2}, "count ignores the filter: " << filtered.body);

  for (const char* bad : {"ordering=quantity", "ordering=price%3BDROP%20TABLE%20products", "ordering=", "ordering=--price"})
    CHECK_FIELD_ERROR(list(c, bad), "ordering");
  for (const char* bad : {"min_price=abc", "min_price=-1", "min_price=1.234", "max_price=x", "max_price=NaN"})
    CHECK_FIELD_ERROR(list(c, bad), std::string{bad}.substr(0, std::string{bad}.find('=')));
}

BOOST_AUTO_TEST_CASE(deleted_products_are_hidden_but_orders_keep_them) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "catalog-del");
  const auto tag = unique_tag("del");
  const int64_t keep = create_product(c, staff.access, "Keep " + tag, "3.00", 10);
  const int64_t gone = create_product(c, staff.access, "Gone " + tag, "12.34", 10);

  auto order = c.post("/api/orders/", order_body({{gone, 2}}), user.access);
  REQUIRE_STATUS(order, 201);
  const int64_t order_id = *int_of(order.json, "id");
  auto before = list(c, "search=" + tag);
  BOOST_TEST((result_ids(before) == std::vector<int64_t>{keep, gone}));

  auto deleted = c.del(product_path(gone), staff.access);
  CHECK_STATUS(deleted, 204);
  BOOST_TEST(deleted.body.empty(), "204 with a body: " << deleted.body);

  CHECK_ERROR(c.get(product_path(gone)), 404, "not_found");
  auto after = list(c, "search=" + tag);
  REQUIRE_STATUS(after, 200);
  BOOST_TEST((result_ids(after) == std::vector<int64_t>{keep}), "the list still shows a deleted product: " << after.body);
  BOOST_TEST(int_of(after.json, "count") == std::optional<int64_t>{1});
  // It is gone for writes too.
  CHECK_ERROR(c.del(product_path(gone), staff.access), 404, "not_found");
  CHECK_ERROR(c.patch(product_path(gone), R"({"name":"Back"})", staff.access), 404, "not_found");
  CHECK_ERROR(c.put(inventory_path(gone), inventory_body(1, "restock"), staff.access), 404, "not_found");
  // Neither a cart nor an order can take it.
  CHECK_FIELD_ERROR(c.post("/api/cart/items/", json_object{{"product_id", gone}}, user.access),
                    "product_id");
  CHECK_ERROR(c.post("/api/orders/", order_body({{gone, 1}}), user.access), 400, "validation_error");

  // The existing order is unchanged and still names it.
  auto got = c.get("/api/orders/" + std::to_string(order_id) + "/", user.access);
  REQUIRE_STATUS(got, 200);
  BOOST_TEST_REQUIRE((got.json["items"].IsArray() && got.json["items"].Size() == 1u), got.describe());
  const auto& item = got.json["items"][0];
  BOOST_TEST(int_of(item, "product_id") == std::optional<int64_t>{gone});
  BOOST_TEST(string_of(item, "product_name") == "Gone " + tag);
  BOOST_TEST(same_money(number_of(item, "unit_price"), 12.34));
  BOOST_TEST(int_of(item, "quantity") == std::optional<int64_t>{2});
  BOOST_TEST(same_money(number_of(got.json, "total"), 24.68), got.describe());
  BOOST_TEST(string_of(got.json, "status") == "pending");
}

BOOST_AUTO_TEST_CASE(price_change_never_alters_existing_orders) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto user = new_account(c, "catalog-price");
  const int64_t id = create_product(c, staff.access, "Repriced", "100.00", 10);
  auto order = c.post("/api/orders/", order_body({{id, 2}}), user.access);
  REQUIRE_STATUS(order, 201);
  const auto order_path = "/api/orders/" + std::to_string(*int_of(order.json, "id")) + "/";

  auto patched = c.patch(product_path(id), R"({"price":"150.50"})", staff.access);
  REQUIRE_STATUS(patched, 200);
  BOOST_TEST(same_money(number_of(patched.json, "price"), 150.50));
  auto product = c.get(product_path(id));
  BOOST_TEST(same_money(number_of(product.json, "price"), 150.50), product.describe());

  auto got = c.get(order_path, user.access);
  REQUIRE_STATUS(got, 200);
  BOOST_TEST_REQUIRE((got.json["items"].IsArray() && got.json["items"].Size() == 1u), got.describe());
  BOOST_TEST(same_money(number_of(got.json["items"][0], "unit_price"), 100.00), got.describe());
  BOOST_TEST(same_money(number_of(got.json["items"][0], "line_total"), 200.00), got.describe());
  BOOST_TEST(same_money(number_of(got.json, "subtotal"), 200.00), got.describe());
  BOOST_TEST(same_money(number_of(got.json, "total"), 200.00), got.describe());
  // A new order takes the new price.
  auto second = c.post("/api/orders/", order_body({{id, 1}}), user.access);
  REQUIRE_STATUS(second, 201);
  BOOST_TEST(same_money(number_of(second.json, "total"), 150.50), second.describe());
}

BOOST_AUTO_TEST_CASE(unknown_product_ids_are_404) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  for (const char* path : {"/api/products/abc/", "/api/products/999999999/", "/api/products/0/", "/api/products/-1/",
                           "/api/products/1.5/", "/api/products/99999999999999999999999/"})
    CHECK_ERROR(c.get(path), 404, "not_found");
  CHECK_ERROR(c.patch("/api/products/999999999/", R"({"name":"x"})", staff.access), 404, "not_found");
  CHECK_ERROR(c.put("/api/products/999999999/", R"({"name":"x"})", staff.access), 404, "not_found");
  CHECK_ERROR(c.del("/api/products/999999999/", staff.access), 404, "not_found");
}

BOOST_AUTO_TEST_SUITE_END()
