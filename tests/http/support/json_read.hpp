// Test support: reading members of JSON answers (money with the API's tolerance), and the one
// check of an ISO-8601 UTC timestamp.
#pragma once

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace http_test {

/// Member `key` of object `v` as a number (money is compared with a 0.005 tolerance), NaN if absent.
double number_of(const rapidjson::Value& v, const char* key);
/// Member `key` of object `v` as an integer; std::nullopt if absent or not an integer.
std::optional<int64_t> int_of(const rapidjson::Value& v, const char* key);
/// Member `key` of object `v` as a string; "<missing>" if absent or not a string.
std::string string_of(const rapidjson::Value& v, const char* key);
/// The member names of an object (empty for anything else): for "these keys and no others".
std::set<std::string> keys_of(const rapidjson::Value& v);
/// |a - b| < 0.005 (API.md §0).
inline bool same_money(double a, double b) { return a - b < 0.005 && b - a < 0.005; }

/// An ISO-8601 UTC timestamp as the API writes them: 2024-01-31T12:34:56Z, fractions allowed.
bool is_iso8601_utc(const std::string& text);
/// A UUID in its text form (8-4-4-4-12 hex digits), as idempotency keys are sent.
bool is_uuid(const std::string& text);

}  // namespace http_test

/// BOOST_TEST(a == b) prints both sides on failure; std::optional<int64_t> (int_of()) prints its
/// value or "nullopt".
namespace boost::test_tools::tt_detail {
template <>
struct print_log_value<std::optional<int64_t>> {
  void operator()(std::ostream& os, const std::optional<int64_t>& v) {
    if (v)
      os << *v;
    else
      os << "nullopt";
  }
};
}  // namespace boost::test_tools::tt_detail
