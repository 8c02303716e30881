// BEAT_SCHEDULE's grammar and the beat's slots: intervals aligned to the epoch, cron fields
// with *, steps, ranges and lists, cron's either-day rule, and one clear refusal per mistake.
#include "config/settings.hpp"
#include "domain/beat_schedule.hpp"

#include <boost/test/unit_test.hpp>

#include <ctime>

using namespace commerce::domain;

namespace {

/// Unix seconds of a UTC date and time.
int64_t utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return static_cast<int64_t>(timegm(&t));
}

std::string refusal(const std::string& text) {
  try {
    parse_beat_schedule(text);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

beat_entry only(const std::string& text) {
  auto entries = parse_beat_schedule(text);
  BOOST_REQUIRE_EQUAL(entries.size(), 1u);
  return entries[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(beat_schedule)

BOOST_AUTO_TEST_CASE(entries_name_a_job_type_and_an_interval_or_cron) {
  auto entries = parse_beat_schedule(
    " sweep = reservations.release @ every:30s ;\ncarts.remind_abandoned@cron:0 */2 * * *;;\n nightly=inventory.sync@every:1h30m ");
  BOOST_REQUIRE_EQUAL(entries.size(), 3u);
  BOOST_TEST(entries[0].name == "sweep");
  BOOST_TEST(entries[0].job_type == "reservations.release");
  BOOST_TEST(entries[0].every_seconds == 30);
  BOOST_TEST(!entries[0].cron.has_value());
  BOOST_TEST(entries[1].name == "carts.remind_abandoned");  // no name: the job type is the name
  BOOST_TEST(entries[1].job_type == "carts.remind_abandoned");
  BOOST_TEST(entries[1].cron.has_value());
  BOOST_TEST(entries[1].when == "cron:0 */2 * * *");
  BOOST_TEST(entries[2].every_seconds == 5400);
  BOOST_TEST(parse_beat_schedule("").empty());
  BOOST_TEST(parse_beat_schedule(" none ").empty());
  BOOST_TEST(parse_interval("1d") == 86400);
  BOOST_TEST(parse_interval("2m5s") == 125);
}

BOOST_AUTO_TEST_CASE(intervals_are_aligned_to_the_epoch) {
  auto e = only("a=noop@every:30s");
  BOOST_TEST(e.next_slot(utc(2026, 1, 1, 10, 0, 0)) == utc(2026, 1, 1, 10, 0, 30));  // strictly after
  BOOST_TEST(e.next_slot(utc(2026, 1, 1, 10, 0, 29)) == utc(2026, 1, 1, 10, 0, 30));
  BOOST_TEST(e.next_slot(utc(2026, 1, 1, 10, 0, 30)) == utc(2026, 1, 1, 10, 1, 0));
  auto hourly = only("a=noop@every:1h");
  BOOST_TEST(hourly.next_slot(utc(2026, 1, 1, 10, 59, 59)) == utc(2026, 1, 1, 11));
}

BOOST_AUTO_TEST_CASE(cron_fields_steps_ranges_and_lists) {
  auto every5 = only("a=noop@cron:*/5 * * * *");
  BOOST_TEST(every5.next_slot(utc(2026, 3, 10, 12, 3, 10)) == utc(2026, 3, 10, 12, 5));
  BOOST_TEST(every5.next_slot(utc(2026, 3, 10, 12, 5)) == utc(2026, 3, 10, 12, 10));
  BOOST_TEST(every5.next_slot(utc(2026, 12, 31, 23, 59)) == utc(2027, 1, 1, 0, 0));

  auto office = only("a=noop@cron:15,45 9-17/4 * * 1-5");  // 9:15, 9:45, 13:15, ..., 17:45 on weekdays
  // Friday 2026-03-13 17:50 -> Monday 2026-03-16 09:15
  BOOST_TEST(office.next_slot(utc(2026, 3, 13, 17, 50)) == utc(2026, 3, 16, 9, 15));
  BOOST_TEST(office.next_slot(utc(2026, 3, 16, 9, 15)) == utc(2026, 3, 16, 9, 45));
  BOOST_TEST(office.next_slot(utc(2026, 3, 16, 9, 45)) == utc(2026, 3, 16, 13, 15));

  auto sundays = only("a=noop@cron:0 3 * * 7");  // 7 is Sunday, as 0 is
  BOOST_TEST(sundays.next_slot(utc(2026, 3, 10)) == utc(2026, 3, 15, 3, 0));

  auto leap = only("a=noop@cron:0 0 29 2 *");
  BOOST_TEST(leap.next_slot(utc(2026, 3, 1)) == utc(2028, 2, 29));

  auto tail = only("a=noop@cron:50/5 * * * *");  // a/n runs to the field's end
  BOOST_TEST(tail.next_slot(utc(2026, 3, 10, 12, 56)) == utc(2026, 3, 10, 13, 50));
}

BOOST_AUTO_TEST_CASE(both_day_fields_restricted_means_either) {
  // The 1st of the month or any Monday, at midnight.
  auto e = only("a=noop@cron:0 0 1 * 1");
  BOOST_TEST(e.next_slot(utc(2026, 3, 10)) == utc(2026, 3, 16));  // Monday 16th comes before 1 April
  BOOST_TEST(e.next_slot(utc(2026, 3, 30)) == utc(2026, 4, 1));   // Wednesday the 1st
  // Only one restricted: that one alone decides.
  auto only_dom = only("a=noop@cron:0 0 1 * *");
  BOOST_TEST(only_dom.next_slot(utc(2026, 3, 10)) == utc(2026, 4, 1));
}

BOOST_AUTO_TEST_CASE(mistakes_are_refused_with_the_entry_and_the_reason) {
  BOOST_TEST(refusal("a=noop@every:30s") == "");
  BOOST_TEST(refusal("a=noop") .find("expected name=job_type@every:30s") != std::string::npos);
  BOOST_TEST(refusal("a=noop@hourly").find("must start with every: or cron:") != std::string::npos);
  BOOST_TEST(refusal("a=noop@every:30").find("interval '30'") != std::string::npos);
  BOOST_TEST(refusal("a=noop@every:5w").find("unknown unit 'w'") != std::string::npos);
  BOOST_TEST(refusal("a=noop@every:0s").find("at least 1s") != std::string::npos);
  BOOST_TEST(refusal("a=noop@every:400d").find("366 days") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* * * *").find("five fields") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:60 * * * *").find("minute field '60'") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* 5-2 * * *").find("hour field") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:*/0 * * * *").find("step") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* * 0 * *").find("day-of-month") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* * * 13 *").find("month field") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* * * * 8").find("weekday field") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:* * * * mon").find("weekday field 'mon'") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:1,,2 * * * *").find("empty list item") != std::string::npos);
  BOOST_TEST(refusal("a=noop@cron:0 0 30 2 *").find("never fires") != std::string::npos);
  BOOST_TEST(refusal("A=noop@every:1s").find("the name must be") != std::string::npos);
  BOOST_TEST(refusal("a=@every:1s").find("the job type must be") != std::string::npos);
  BOOST_TEST(refusal("a=noop@every:1s; a=noop@every:2s").find("'a' is used twice") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(settings_refuse_a_bad_schedule_with_one_line) {
  using namespace commerce::config;
  auto load_with = [](const std::string& schedule) {
    return load(command_line{}, {{"BEAT_SCHEDULE", schedule}});
  };
  BOOST_TEST(load_with("a=noop@every:5m").beat_schedule == "a=noop@every:5m");
  try {
    load_with("a=noop@cron:61 * * * *");
    BOOST_FAIL("a bad schedule was accepted");
  } catch (const config_error& e) {
    std::string what = e.what();
    BOOST_TEST(what.rfind("BEAT_SCHEDULE: entry 'a=noop@cron:61 * * * *': minute field '61'", 0) == 0, what);
    BOOST_TEST(what.find('\n') == std::string::npos);
  }
  BOOST_CHECK_THROW(load(command_line{}, {{"BEAT_LOCK_TTL_MS", "10"}}), config_error);
  BOOST_TEST(load(command_line{}, {}).cart_reminder_after_seconds == 86400);
}

BOOST_AUTO_TEST_SUITE_END()
