#include "config/ip_ranges.hpp"

#include <boost/test/unit_test.hpp>

using commerce::config::ip_ranges;

namespace {

ip_ranges ranges_of(const std::string& list) {
  std::string why;
  auto parsed = ip_ranges::parse(list, why);
  BOOST_TEST_REQUIRE(parsed.has_value(), list << ": " << why);
  return *parsed;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ip_ranges_suite)

BOOST_AUTO_TEST_CASE(yookassa_published_ranges) {
  auto r = ranges_of("185.71.76.0/27, 185.71.77.0/27,77.75.153.0/25, 77.75.156.11, 77.75.156.35, 77.75.154.128/25, "
                     "2a02:5180::/32");
  BOOST_TEST(r.contains("185.71.76.0"));
  BOOST_TEST(r.contains("185.71.76.31"));
  BOOST_TEST(!r.contains("185.71.76.32"), "a /27 ends at .31");
  BOOST_TEST(r.contains("77.75.153.127"));
  BOOST_TEST(!r.contains("77.75.153.128"));
  BOOST_TEST(r.contains("77.75.156.11"));
  BOOST_TEST(!r.contains("77.75.156.12"), "a bare address is a range of one");
  BOOST_TEST(r.contains("77.75.154.200"));
  BOOST_TEST(r.contains("2a02:5180:0:1::17"));
  BOOST_TEST(!r.contains("2a02:5181::1"));
  BOOST_TEST(!r.contains("127.0.0.1"));
  BOOST_TEST(!r.contains("not an address"));
  BOOST_TEST(!r.contains(""));
}

BOOST_AUTO_TEST_CASE(prefix_edges_and_families) {
  auto any4 = ranges_of("0.0.0.0/0");
  BOOST_TEST(any4.contains("8.8.8.8"));
  BOOST_TEST(!any4.contains("::1"), "an IPv4 range never holds an IPv6 address");
  auto odd = ranges_of("10.0.0.0/9");
  BOOST_TEST(odd.contains("10.127.255.255"));
  BOOST_TEST(!odd.contains("10.128.0.0"));
  BOOST_TEST(ranges_of("").empty());
  BOOST_TEST(ranges_of(" , ").empty());
}

BOOST_AUTO_TEST_CASE(bad_lists_say_which_entry) {
  for (const std::string bad : {"10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "300.1.1.1", "example.com",
                                "10.0.0.0/8, 1.2.3"}) {
    std::string why;
    BOOST_TEST(!ip_ranges::parse(bad, why).has_value(), bad);
    BOOST_TEST(!why.empty(), bad);
  }
  std::string why;
  ip_ranges::parse("10.0.0.0/8, 1.2.3", why);
  BOOST_TEST(why.find("1.2.3") != std::string::npos, why);
}

BOOST_AUTO_TEST_SUITE_END()
