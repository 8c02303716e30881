// Parsed by hand: Debian packages no C or C++ cron-expression library (only Perl, Go and Ruby
// ones), and five numeric fields with *, lists, ranges and steps are a small grammar.
#include "domain/beat_schedule.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>
#include <stdexcept>

namespace commerce::domain {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos)
      return out;
    start = at + 1;
  }
}

/// A non-negative decimal number of at most 9 digits; nullopt otherwise.
std::optional<int> number(std::string_view s) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int n = 0;
  for (char c : s)
    n = n * 10 + (c - '0');
  return n;
}

/// One cron field into `bits` (index = value); `restricted` is false for a bare `*`.
template <size_t N>
void parse_field(std::string_view text, const char* what, int min, int max, std::bitset<N>& bits, bool& restricted) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string{what} + " field '" + std::string{text} + "': " + why);
  };
  restricted = text != "*";
  for (auto item : split(text, ',')) {
    if (item.empty())
      fail("an empty list item");
    int step = 1;
    auto slash = item.find('/');
    auto range = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      auto n = number(item.substr(slash + 1));
      if (!n || *n < 1 || *n > max)
        fail("the step must be a number from 1 to " + std::to_string(max));
      step = *n;
    }
    int from = min, to = max;
    if (range != "*") {
      auto dash = range.find('-');
      auto a = number(range.substr(0, dash));
      if (!a)
        fail("'" + std::string{range} + "' is not a number, a range or *");
      from = *a;
      if (dash != std::string_view::npos) {
        auto b = number(range.substr(dash + 1));
        if (!b)
          fail("'" + std::string{range} + "' is not a range a-b");
        to = *b;
      } else if (slash == std::string_view::npos) {
        to = from;  // a single value; `a/n` runs from a to the end
      }
      if (from < min || to > max || from > to)
        fail("values must lie within " + std::to_string(min) + "-" + std::to_string(max) + ", low to high");
    }
    for (int v = from; v <= to; v += step)
      bits.set(static_cast<size_t>(v));
  }
}

bool day_matches(const cron_expression& c, const std::tm& t) {
  bool dom = c.days.test(static_cast<size_t>(t.tm_mday));
  bool dow = c.weekdays.test(static_cast<size_t>(t.tm_wday));
  if (c.days_restricted && c.weekdays_restricted)
    return dom || dow;  // cron's rule: either day field may match
  return dom && dow;
}

bool valid_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return std::islower(c) || std::isdigit(c) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

cron_expression parse_cron(std::string_view text) {
  std::vector<std::string_view> fields;
  for (auto part : split(trim(text), ' '))
    if (!trim(part).empty())
      fields.push_back(trim(part));
  if (fields.size() != 5)
    throw std::invalid_argument("a cron schedule has five fields (minute hour day-of-month month weekday), got " +
                                std::to_string(fields.size()));
  cron_expression c;
  bool unused = false;
  parse_field(fields[0], "minute", 0, 59, c.minutes, unused);
  parse_field(fields[1], "hour", 0, 23, c.hours, unused);
  parse_field(fields[2], "day-of-month", 1, 31, c.days, c.days_restricted);
  parse_field(fields[3], "month", 1, 12, c.months, unused);
  std::bitset<8> weekdays;
  parse_field(fields[4], "weekday", 0, 7, weekdays, c.weekdays_restricted);
  for (size_t d = 0; d < 7; ++d)
    c.weekdays[d] = weekdays[d];
  if (weekdays[7])
    c.weekdays.set(0);  // 7 is Sunday too
  return c;
}

std::optional<int64_t> next_cron_slot(const cron_expression& c, int64_t after) {
  int64_t t = after - (after % 60 + 60) % 60 + 60;  // the next whole minute
  const int64_t limit = after + int64_t{8} * 366 * 86400;
  while (t <= limit) {
    auto tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    const int64_t minute_start = t;
    const int64_t hour_start = minute_start - tm.tm_min * 60;
    const int64_t day_start = hour_start - tm.tm_hour * 3600;
    if (!c.months.test(static_cast<size_t>(tm.tm_mon + 1))) {
      std::tm next{};
      next.tm_year = tm.tm_mon == 11 ? tm.tm_year + 1 : tm.tm_year;
      next.tm_mon = (tm.tm_mon + 1) % 12;
      next.tm_mday = 1;
      t = static_cast<int64_t>(timegm(&next));
    } else if (!day_matches(c, tm)) {
      t = day_start + 86400;
    } else if (!c.hours.test(static_cast<size_t>(tm.tm_hour))) {
      t = hour_start + 3600;
    } else if (!c.minutes.test(static_cast<size_t>(tm.tm_min))) {
      t = minute_start + 60;
    } else {
      return t;
    }
  }
  return std::nullopt;
}

int64_t parse_interval(std::string_view text) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("interval '" + std::string{text} + "': " + why);
  };
  if (text.empty())
    fail("empty (write e.g. 30s, 5m, 1h30m or 1d)");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
      ++digits;
    auto n = number(text.substr(i, digits - i));
    if (!n || digits >= text.size())
      fail("expected a number followed by a unit s, m, h or d (e.g. 30s, 5m, 1h30m)");
    int64_t unit = 0;
    switch (text[digits]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: fail(std::string{"unknown unit '"} + text[digits] + "' (use s, m, h or d)");
    }
    total += *n * unit;
    if (total > int64_t{366} * 86400)
      fail("longer than 366 days");
    i = digits + 1;
  }
  if (total < 1)
    fail("must be at least 1s");
  return total;
}

int64_t beat_entry::next_slot(int64_t after) const {
  if (every_seconds > 0)
    return (after >= 0 ? after / every_seconds : (after - every_seconds + 1) / every_seconds) * every_seconds +
           every_seconds;
  auto next = next_cron_slot(*cron, after);
  return next ? *next : INT64_MAX;  // parse_beat_schedule refuses expressions that never match
}

std::vector<beat_entry> parse_beat_schedule(std::string_view text) {
  std::vector<beat_entry> out;
  if (trim(text) == "none")
    return out;  // no periodic jobs at all
  std::set<std::string> names;
  std::string normalised{text};
  std::replace(normalised.begin(), normalised.end(), '\n', ';');
  for (auto raw : split(normalised, ';')) {
    auto item = trim(raw);
    if (item.empty())
      continue;
    auto fail = [&](const std::string& why) {
      throw std::invalid_argument("entry '" + std::string{item} + "': " + why);
    };
    auto at = item.find('@');
    if (at == std::string_view::npos)
      fail("expected name=job_type@every:30s or name=job_type@cron:M H DOM MON DOW");
    auto head = item.substr(0, at);
    auto eq = head.find('=');
    beat_entry e;
    e.job_type = std::string{trim(eq == std::string_view::npos ? head : head.substr(eq + 1))};
    e.name = eq == std::string_view::npos ? e.job_type : std::string{trim(head.substr(0, eq))};
    if (!valid_name(e.name))
      fail("the name must be 1-64 characters of a-z, 0-9, '_', '.', '-'");
    if (!valid_name(e.job_type))
      fail("the job type must be 1-64 characters of a-z, 0-9, '_', '.', '-'");
    auto when = trim(item.substr(at + 1));
    e.when = std::string{when};
    try {
      if (when.rfind("every:", 0) == 0) {
        e.every_seconds = parse_interval(trim(when.substr(6)));
      } else if (when.rfind("cron:", 0) == 0) {
        e.cron = parse_cron(when.substr(5));
        if (!next_cron_slot(*e.cron, 0))
          throw std::invalid_argument("the cron schedule never fires");
      } else {
        throw std::invalid_argument("the schedule must start with every: or cron:");
      }
    } catch (const std::invalid_argument& why) {
      fail(why.what());
    }
    if (!names.insert(e.name).second)
      fail("the name '" + e.name + "' is used twice");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace commerce::domain
