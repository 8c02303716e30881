// The beat's schedule (BEAT_SCHEDULE): which job types fire periodically, and when. Pure values
// and rules, no I/O: settings validation parses it at start-up, the beat computes its slots.
//
// Format: entries separated by ';' (or new lines), each `name=job_type@when` (`name=` may be
// left out: the name is then the job type). `when` is one of
//   every:DURATION   a fixed interval, slots aligned to the Unix epoch (so every beat computes
//                    the same slots): 30s, 5m, 1h30m, 1d (units s, m, h, d; 1 s to 366 d)
//   cron:M H DOM MON DOW   five cron fields in UTC: minute 0-59, hour 0-23, day of month 1-31,
//                    month 1-12, weekday 0-7 (0 and 7 are Sunday); each field is `*`, a
//                    number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n`, or a comma list of
//                    those. As in cron, when both day fields are restricted, either may match.
// Example: `sweep=reservations.release@every:30s; carts.remind_abandoned@cron:0 */2 * * *`.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commerce::domain {

/// A parsed five-field cron expression (UTC).
struct cron_expression {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      ///< 1-31
  std::bitset<13> months;    ///< 1-12
  std::bitset<7> weekdays;   ///< 0 = Sunday
  bool days_restricted = false;      ///< the day-of-month field was not `*`
  bool weekdays_restricted = false;  ///< the weekday field was not `*`
};

/// Parses the five fields; throws std::invalid_argument saying which field and why.
cron_expression parse_cron(std::string_view text);

/// The first minute strictly after `after` (Unix seconds) that the expression matches, or
/// nullopt when none comes within eight years (e.g. 30 February).
std::optional<int64_t> next_cron_slot(const cron_expression& cron, int64_t after);

/// One periodic job: its name (the durable schedule's key), the job type it enqueues, and when.
struct beat_entry {
  std::string name;
  std::string job_type;
  std::string when;           ///< as written after '@' (e.g. "every:30s"): a change restarts the slots
  int64_t every_seconds = 0;  ///< > 0: an interval
  std::optional<cron_expression> cron;

  /// The first slot strictly after `after` (Unix seconds, UTC).
  int64_t next_slot(int64_t after) const;
};

/// Parses BEAT_SCHEDULE; throws std::invalid_argument with one line naming the entry and why.
/// An empty text, or `none`, is no entries. Names must be unique.
std::vector<beat_entry> parse_beat_schedule(std::string_view text);

/// Parses an interval such as 30s, 5m, 1h30m or 1d into seconds; throws std::invalid_argument.
int64_t parse_interval(std::string_view text);

}  // namespace commerce::domain
