#include "actors/catalog_rules.hpp"
#include "actors/order_rules.hpp"
#include "domain/order_lifecycle.hpp"
#include "http/json.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace commerce;
using namespace commerce::actors;

namespace {

// The table's words as the API spells them: a word that names no status is never a legal move.
namespace order_lifecycle {
bool is_status(const std::string& s) { return domain::parse<domain::order_status>(s).has_value(); }
bool can_move(const std::string& from, const std::string& to) {
  auto f = domain::parse<domain::order_status>(from), t = domain::parse<domain::order_status>(to);
  return f && t && domain::can_move(*f, *t);
}
bool releases_stock(const std::string& from, const std::string& to) {
  return domain::releases_stock(*domain::parse<domain::order_status>(from), *domain::parse<domain::order_status>(to));
}
}  // namespace order_lifecycle

}  // namespace

BOOST_AUTO_TEST_SUITE(order_lifecycle_table)

BOOST_AUTO_TEST_CASE(every_legal_and_illegal_transition) {
  const std::vector<std::string> all = {"pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "refunded"};
  const std::set<std::pair<std::string, std::string>> legal = {
    {"pending", "confirmed"},   {"pending", "cancelled"},   {"confirmed", "processing"}, {"confirmed", "refunded"},
    {"processing", "shipped"}, {"processing", "refunded"}, {"shipped", "delivered"},    {"shipped", "refunded"},
    {"delivered", "refunded"},
  };
  for (const auto& from : all)
    for (const auto& to : all)
      BOOST_TEST(order_lifecycle::can_move(from, to) == (legal.count({from, to}) == 1), from << " -> " << to);
  BOOST_TEST(!order_lifecycle::can_move("pending", "bogus"));
  BOOST_TEST(!order_lifecycle::can_move("bogus", "pending"));
  BOOST_TEST(order_lifecycle::is_status("refunded"));
  BOOST_TEST(!order_lifecycle::is_status("paid"));
}

BOOST_AUTO_TEST_CASE(only_cancelling_a_pending_order_restocks) {
  BOOST_TEST(order_lifecycle::releases_stock("pending", "cancelled"));
  BOOST_TEST(!order_lifecycle::releases_stock("confirmed", "refunded"));
  BOOST_TEST(!order_lifecycle::releases_stock("pending", "confirmed"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(catalog_and_order_rules)

BOOST_AUTO_TEST_CASE(product_fields) {
  persistence::product_fields ok{std::string{"  Shirt  "}, std::string{"cotton"}, 1999, std::string{"SKU-1.a_b"}, 10};
  BOOST_TEST(catalog_rules::check_product(ok, true).empty());
  BOOST_TEST(*ok.name == "Shirt");
  persistence::product_fields missing;
  auto bad = catalog_rules::check_product(missing, true);
  for (const char* f : {"name", "price", "sku"})
    BOOST_TEST(bad.count(f) == 1u, f);
  BOOST_TEST(catalog_rules::check_product(missing, false).empty());
  persistence::product_fields wrong{std::string{"   "}, std::string(10001, 'd'), 0, std::string{"has space"}, 1'000'001};
  bad = catalog_rules::check_product(wrong, false);
  for (const char* f : {"name", "description", "price", "sku", "quantity"})
    BOOST_TEST(bad.count(f) == 1u, f);
  persistence::product_fields too_dear;
  too_dear.price_minor = 1'000'000'001;
  BOOST_TEST(catalog_rules::check_product(too_dear, false).count("price") == 1u);
}

BOOST_AUTO_TEST_CASE(stock_changes) {
  using persistence::stock_operation;
  BOOST_TEST(catalog_rules::check_stock_change(stock_operation::sale, 1).empty());
  BOOST_TEST(!catalog_rules::check_stock_change(stock_operation::sale, 0).empty());
  BOOST_TEST(catalog_rules::check_stock_change(stock_operation::set, 0).empty());
  BOOST_TEST(!catalog_rules::check_stock_change(stock_operation::restock, 1'000'001).empty());
}

BOOST_AUTO_TEST_CASE(checkout_input) {
  field_errors bad;
  order_rules::address a{"Ann", "Lee", "Tverskaya 1", "Moscow", "101000", "RU"};
  order_rules::check_address(a, "shipping_address", bad);
  BOOST_TEST(bad.empty());
  order_rules::address blank{"", " ", "x", "", "1", "rus"};
  order_rules::check_address(blank, "billing_address", bad);
  for (const char* f : {"billing_address.first_name", "billing_address.last_name", "billing_address.city",
                        "billing_address.country"})
    BOOST_TEST(bad.count(f) == 1u, f);
  bad.clear();
  order_rules::check_lines({{1, 1}, {2, 0}, {0, 1000}}, true, bad);
  BOOST_TEST(bad.count("items.1.quantity") == 1u);
  BOOST_TEST(bad.count("items.2.product_id") == 1u);
  BOOST_TEST(bad.count("items.2.quantity") == 1u);
  bad.clear();
  order_rules::check_lines({}, false, bad);  // from the cart
  BOOST_TEST(bad.empty());
  order_rules::check_methods("cash", "teleport", bad);
  BOOST_TEST(bad.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(money)

BOOST_AUTO_TEST_CASE(decimal_text) {
  BOOST_TEST(*http::json::parse_money_text("19.99") == 1999);
  BOOST_TEST(*http::json::parse_money_text("20") == 2000);
  BOOST_TEST(*http::json::parse_money_text("0.5") == 50);
  BOOST_TEST(*http::json::parse_money_text("-1.25") == -125);
  for (const char* bad : {"", "1.999", "1.", ".5", "abc", "1e3", "1,50", "9999999999999", " 1"})
    BOOST_TEST(!http::json::parse_money_text(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(json_numbers_and_strings) {
  rapidjson::Document d;
  d.Parse(R"({"a":19.99,"b":"19.99","c":20,"d":19.999,"e":true,"f":0.1,"g":1e300,"h":"1.001"})");
  http::json::reader in{d};
  BOOST_TEST(*in.money("a", true) == 1999);
  BOOST_TEST(*in.money("b", true) == 1999);
  BOOST_TEST(*in.money("c", true) == 2000);
  BOOST_TEST(*in.money("f", true) == 10);
  BOOST_TEST(!in.money("d", true).has_value());
  BOOST_TEST(!in.money("e", true).has_value());
  BOOST_TEST(!in.money("g", true).has_value());
  BOOST_TEST(!in.money("h", true).has_value());
  BOOST_TEST(in.problem().fields.size() == 4u);
}

BOOST_AUTO_TEST_CASE(rendering_has_two_decimals) {
  auto render = [](int64_t minor) {
    rapidjson::StringBuffer buf;
    http::json::writer w{buf};
    http::json::write_money(w, minor);
    return std::string{buf.GetString()};
  };
  BOOST_TEST(render(1999) == "19.99");
  BOOST_TEST(render(5) == "0.05");
  BOOST_TEST(render(0) == "0.00");
  BOOST_TEST(render(-125) == "-1.25");
  BOOST_TEST(render(1'000'000'000) == "10000000.00");
}

BOOST_AUTO_TEST_CASE(canonical_json_ignores_key_order_and_space) {
  rapidjson::Document a, b, c;
  a.Parse(R"({"b":1,"a":{"y":[1,2],"x":"s"}})");
  b.Parse(R"( { "a" : { "x" : "s", "y" : [ 1, 2 ] }, "b" : 1 } )");
  c.Parse(R"({"b":1,"a":{"y":[2,1],"x":"s"}})");
  BOOST_TEST(http::json::canonical(a) == http::json::canonical(b));
  BOOST_TEST(http::json::canonical(a) != http::json::canonical(c));
}

BOOST_AUTO_TEST_SUITE_END()
