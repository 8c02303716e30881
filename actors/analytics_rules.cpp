#include "actors/analytics_rules.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace commerce::actors::analytics_rules {

namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct civil {
  int64_t y;
  unsigned m, d;
};
civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c)
    return false;
  ++pos;
  return true;
}

constexpr int64_t micros_per_second = 1'000'000;

}  // namespace

std::optional<std::string> check_type(std::string_view type) {
  if (type.empty() || type.size() > 64)
    return std::string{"must be 1 to 64 characters"};
  bool ok = std::all_of(type.begin(), type.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
  if (!ok)
    return std::string{"must match ^[a-z0-9_]{1,64}$ (lower-case letters, digits, underscore)"};
  return std::nullopt;
}

bool is_known_type(std::string_view type) {
  static constexpr std::array<std::string_view, 8> known{"page_view",        "product_view",   "search",
                                                         "add_to_cart",      "remove_from_cart", "begin_checkout",
                                                         "purchase",         "refund"};
  return std::find(known.begin(), known.end(), type) != known.end();
}

std::optional<int64_t> parse_iso8601(std::string_view s) {
  size_t pos = 0;
  int64_t year, month, day, hour = 0, minute = 0, second = 0, fraction_us = 0, offset_s = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, day))
    return std::nullopt;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month)))
    return std::nullopt;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't')
      return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute))
      return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, second))
        return std::nullopt;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t start = pos;
        int64_t scale = 100'000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          fraction_us += (s[pos] - '0') * scale;  // beyond microseconds: truncated
          scale /= 10;
          ++pos;
        }
        if (pos == start || pos - start > 9)
          return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59)
      return std::nullopt;
    if (pos < s.size()) {
      char sign = s[pos++];
      if (sign == 'Z' || sign == 'z') {
        // UTC
      } else if (sign == '+' || sign == '-' || sign == ' ') {
        int64_t oh, om;
        if (!digits(s, pos, 2, oh))
          return std::nullopt;
        if (pos < s.size() && s[pos] == ':')
          ++pos;
        if (!digits(s, pos, 2, om) || oh > 23 || om > 59)
          return std::nullopt;
        offset_s = (oh * 60 + om) * 60 * (sign == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size())
    return std::nullopt;
  int64_t seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                    hour * 3600 + minute * 60 + second - offset_s;
  return seconds * micros_per_second + fraction_us;
}

std::string format_iso8601(int64_t micros) {
  int64_t secs = micros / micros_per_second, us = micros % micros_per_second;
  if (us < 0) {
    us += micros_per_second;
    --secs;
  }
  int64_t days = secs / 86400, rest = secs % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  auto date = civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(date.y), date.m,
                date.d, static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60), static_cast<long long>(us));
  return buf;
}

problem check_window(const std::optional<int64_t>& from_us, const std::optional<int64_t>& to_us) {
  if (from_us && to_us && *to_us < *from_us)
    return problem::validation({{"to", {"must not be before from"}}}, "invalid query parameters");
  return problem::none();
}

}  // namespace commerce::actors::analytics_rules
