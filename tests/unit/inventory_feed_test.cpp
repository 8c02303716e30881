// The generic inventory feed's page reader (integrations/inventory/generic.cpp): what a page
// yields, what it refuses line by line, and which answers make the whole page unusable.
#include "integrations/provider_answers.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::integrations;

namespace {

outbound_response answer(long status, std::string body) {
  outbound_response r;
  r.status = status;
  r.body = std::move(body);
  r.attempts = 1;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inventory_feed)

BOOST_AUTO_TEST_CASE(a_page_yields_its_lines_and_the_next_page) {
  auto p = answers::generic_inventory_page(
    answer(200, R"({"items":[{"sku":"A-1","quantity":12},{"sku":"b.2_x","quantity":"7"},{"sku":"Z","quantity":0}],)"
                R"("next_page":2})"),
    1);
  BOOST_TEST(static_cast<int>(p.outcome) == static_cast<int>(gateway_outcome::succeeded));
  BOOST_REQUIRE_EQUAL(p.items.size(), 3u);
  BOOST_TEST(p.items[0].sku == "A-1");
  BOOST_TEST(p.items[0].quantity == 12);
  BOOST_TEST(p.items[1].sku == "b.2_x");
  BOOST_TEST(p.items[1].quantity == 7);  // a numeric string is a number (API.md §6)
  BOOST_TEST(p.items[2].quantity == 0);
  BOOST_REQUIRE(p.next_page.has_value());
  BOOST_TEST(*p.next_page == 2);
  BOOST_TEST(p.rejected == 0);
}

BOOST_AUTO_TEST_CASE(the_last_page_has_a_null_or_no_next_page) {
  auto null_next = answers::generic_inventory_page(answer(200, R"({"items":[],"next_page":null})"), 3);
  BOOST_TEST(static_cast<int>(null_next.outcome) == static_cast<int>(gateway_outcome::succeeded));
  BOOST_TEST(!null_next.next_page.has_value());
  auto absent = answers::generic_inventory_page(answer(200, R"({"items":[{"sku":"A","quantity":1}]})"), 1);
  BOOST_TEST(!absent.next_page.has_value());
  BOOST_TEST(absent.items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_lines_are_counted_and_named_not_fatal) {
  auto p = answers::generic_inventory_page(
    answer(200, R"({"items":[{"sku":"OK-1","quantity":5},7,{"sku":"has space","quantity":1},{"sku":"N","quantity":-1},)"
                R"({"sku":"F","quantity":1.5},{"sku":"BIG","quantity":1000001},{"quantity":3},{"sku":"S","quantity":"x"},)"
                R"({"sku":"OK-2","quantity":1000000}],"next_page":null})"),
    1);
  BOOST_TEST(static_cast<int>(p.outcome) == static_cast<int>(gateway_outcome::succeeded));
  BOOST_REQUIRE_EQUAL(p.items.size(), 2u);
  BOOST_TEST(p.items[0].sku == "OK-1");
  BOOST_TEST(p.items[1].sku == "OK-2");
  BOOST_TEST(p.items[1].quantity == 1000000);
  BOOST_TEST(p.rejected == 7);
  BOOST_REQUIRE_EQUAL(p.rejections.size(), 7u);
  BOOST_TEST(p.rejections[0].find("line 1") == 0u);
  BOOST_TEST(p.rejections[1].find("has space") == std::string::npos);  // outside text is not echoed
  BOOST_TEST(p.rejections[2].find("sku N") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_page_is_bounded) {
  std::string body = R"({"items":[)";
  for (int i = 0; i < 1005; ++i)
    body += (i ? "," : "") + std::string{R"({"sku":"S-)"} + std::to_string(i) + R"(","quantity":1})";
  body += "]}";
  auto p = answers::generic_inventory_page(answer(200, body), 1);
  BOOST_TEST(p.items.size() == feed_limits::max_items_per_page);
  BOOST_TEST(p.rejected == 5);
  std::string many_bad = R"({"items":[)";
  for (int i = 0; i < 100; ++i)
    many_bad += (i ? "," : "") + std::string{"null"};
  many_bad += "]}";
  auto bad = answers::generic_inventory_page(answer(200, many_bad), 1);
  BOOST_TEST(bad.rejected == 100);
  BOOST_TEST(bad.rejections.size() == feed_limits::max_rejections_kept);  // all counted, a few kept
}

BOOST_AUTO_TEST_CASE(unusable_pages) {
  auto unusable = [](const outbound_response& r, int64_t page) {
    auto p = answers::generic_inventory_page(r, page);
    BOOST_TEST(static_cast<int>(p.outcome) != static_cast<int>(gateway_outcome::succeeded), r.body);
    BOOST_TEST(!p.detail.empty());
    BOOST_TEST(p.items.empty());
    return p;
  };
  unusable(answer(503, R"({"items":[]})"), 1);
  unusable(answer(200, "not json"), 1);
  unusable(answer(200, R"([1,2])"), 1);
  unusable(answer(200, R"({"next_page":null})"), 1);
  unusable(answer(200, R"({"items":{}})"), 1);
  unusable(answer(200, R"({"items":[],"next_page":2})"), 2);    // would loop forever
  unusable(answer(200, R"({"items":[],"next_page":1})"), 2);    // goes back
  unusable(answer(200, R"({"items":[],"next_page":2.5})"), 1);  // not a page number
  unusable(answer(200, R"({"items":[],"next_page":"two"})"), 1);
  outbound_response timed_out;
  timed_out.failure = outbound_failure::timeout;
  auto t = unusable(timed_out, 1);
  BOOST_TEST(static_cast<int>(t.outcome) == static_cast<int>(gateway_outcome::timeout));
  outbound_response refused;
  refused.failure = outbound_failure::connect;
  refused.error = "Connection refused";
  unusable(refused, 1);
}

BOOST_AUTO_TEST_CASE(only_the_generic_feed_exists) {
  auto client = std::make_shared<gateway_client>(client_settings{});
  BOOST_TEST(make_inventory_gateway("generic", "http://127.0.0.1:9", client)->provider() == "generic");
  BOOST_CHECK_THROW(make_inventory_gateway("sap", "http://127.0.0.1:9", client), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
