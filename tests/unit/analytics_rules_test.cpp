#include "actors/analytics_rules.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::actors::analytics_rules;

BOOST_AUTO_TEST_SUITE(analytics_rules)

BOOST_AUTO_TEST_CASE(event_types_match_the_pattern) {
  for (const char* good : {"page_view", "a", "purchase", "x_1_y", "0"})
    BOOST_TEST(!check_type(good).has_value(), good);
  for (const char* bad : {"", "Page_view", "page-view", "page view", "страница", "a\nb"})
    BOOST_TEST(check_type(bad).has_value(), bad);
  BOOST_TEST(!check_type(std::string(64, 'a')).has_value());
  BOOST_TEST(check_type(std::string(65, 'a')).has_value());
  BOOST_TEST(is_known_type("add_to_cart"));
  BOOST_TEST(!is_known_type("newsletter_signup"));
}

BOOST_AUTO_TEST_CASE(iso8601_times) {
  BOOST_TEST((parse_iso8601("1970-01-01T00:00:00Z") == std::optional<int64_t>{0}));
  BOOST_TEST((parse_iso8601("1970-01-01") == std::optional<int64_t>{0}));
  BOOST_TEST((parse_iso8601("2024-05-01T12:00:00Z") == std::optional<int64_t>{1714564800LL * 1000000}));
  BOOST_TEST((parse_iso8601("2024-05-01T15:00:00+03:00") == std::optional<int64_t>{1714564800LL * 1000000}));
  BOOST_TEST((parse_iso8601("2024-05-01T15:00:00 03:00") == std::optional<int64_t>{1714564800LL * 1000000}));
  BOOST_TEST((parse_iso8601("2024-05-01T09:30-0230") == std::optional<int64_t>{1714564800LL * 1000000}));
  BOOST_TEST((parse_iso8601("2024-05-01T12:00:00.5Z") == std::optional<int64_t>{1714564800LL * 1000000 + 500000}));
  BOOST_TEST((parse_iso8601("2024-05-01T12:00:00.123456789Z") == std::optional<int64_t>{1714564800LL * 1000000 + 123456}));
  BOOST_TEST((parse_iso8601("2024-02-29") == std::optional<int64_t>{1709164800LL * 1000000}));
  for (const char* bad : {"", "yesterday", "2024-5-01", "2024-02-30", "2023-02-29", "2024-13-01", "2024-05-01T24:00:00Z",
                          "2024-05-01T12:60Z", "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00.Z", "2024-05-01T12",
                          "2024-05-01T12:00:00+3", "2024-05-01X12:00:00Z", "0000-01-01"})
    BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(formatting_round_trips) {
  BOOST_TEST(format_iso8601(0) == "1970-01-01T00:00:00.000000Z");
  BOOST_TEST(format_iso8601(1714564800LL * 1000000 + 123456) == "2024-05-01T12:00:00.123456Z");
  BOOST_TEST(format_iso8601(-1) == "1969-12-31T23:59:59.999999Z");
  for (int64_t t : {int64_t{0}, int64_t{1709164800123456}, int64_t{-86400000001}, int64_t{253402300799999999}})
    BOOST_TEST((parse_iso8601(format_iso8601(t)) == std::optional<int64_t>{t}));
}

BOOST_AUTO_TEST_CASE(the_window_must_not_be_inverted) {
  BOOST_TEST(!check_window(std::nullopt, std::nullopt));
  BOOST_TEST(!check_window(int64_t{1}, int64_t{1}));
  BOOST_TEST(!check_window(int64_t{1}, std::nullopt));
  auto p = check_window(int64_t{2}, int64_t{1});
  BOOST_TEST(p.fields.count("to") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
