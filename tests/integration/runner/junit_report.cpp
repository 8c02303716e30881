#include "reports.hpp"
#include "text.hpp"

#include <cstdio>
#include <sstream>

namespace integration_runner {
namespace {

std::string seconds(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", value < 0 ? 0.0 : value);
  return buffer;
}

std::string attr(const std::string& text) { return xml_escape(clean_utf8(text)); }

std::string first_failure(const test_result& test) {
  for (const auto& message : test.messages)
    if (message.kind != "message") return message.text;
  return to_string(test.status);
}

constexpr std::size_t max_output_bytes = 256 * 1024;

}  // namespace

std::string junit_file_name(const std::string& category) { return category + "_results.xml"; }

std::string junit_xml(const category_result& category, const std::string& hostname) {
  int failures = 0, errors = 0, skipped = 0;
  for (const auto& test : category.tests) {
    if (test.status == test_status::failed) ++failures;
    else if (test.status == test_status::error || test.status == test_status::timed_out) ++errors;
    else if (test.status == test_status::skipped || test.status == test_status::not_run) ++skipped;
  }
  // A category that failed with no failing test (it did not start, crashed between tests, timed out
  // before its first test) gets one test case of its own, so that Jenkins shows why.
  const bool category_error = !category.success() && failures == 0 && errors == 0;
  const int tests = static_cast<int>(category.tests.size()) + (category_error ? 1 : 0);
  if (category_error) ++errors;

  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml << "<testsuites name=\"" << attr(category.name) << "\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" time=\"" << seconds(category.duration_seconds) << "\">\n";
  xml << "  <testsuite name=\"" << attr(category.name) << "\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds(category.duration_seconds)
      << "\" timestamp=\"" << attr(category.started_at) << "\" hostname=\"" << attr(hostname) << "\">\n";
  xml << "    <properties>\n";
  xml << "      <property name=\"program\" value=\"" << attr(category.program) << "\"/>\n";
  xml << "      <property name=\"status\" value=\"" << to_string(category.status) << "\"/>\n";
  xml << "      <property name=\"exit_code\" value=\"" << category.exit_code << "\"/>\n";
  xml << "    </properties>\n";
  for (const auto& test : category.tests) {
    xml << "    <testcase name=\"" << attr(test.path) << "\" classname=\"" << attr(test.suite_path) << "\" time=\""
        << seconds(test.duration_seconds) << "\"";
    const std::string text = test.failure_text();
    switch (test.status) {
      case test_status::passed: xml << "/>\n"; continue;
      case test_status::failed:
        xml << ">\n      <failure type=\"assertion\" message=\"" << attr(first_failure(test))
            << "\">" << attr(text) << "</failure>\n";
        break;
      case test_status::error:
        xml << ">\n      <error type=\"exception\" message=\"" << attr(first_failure(test)) << "\">" << attr(text)
            << "</error>\n";
        break;
      case test_status::timed_out:
        xml << ">\n      <error type=\"timeout\" message=\"" << attr(category.error) << "\">" << attr(text) << "</error>\n";
        break;
      case test_status::skipped:
      case test_status::not_run:
        xml << ">\n      <skipped message=\"" << attr(test.skip_reason.empty() ? to_string(test.status) : test.skip_reason)
            << "\"/>\n";
        break;
    }
    xml << "    </testcase>\n";
  }
  if (category_error)
    xml << "    <testcase name=\"" << attr(category.name) << "\" classname=\"" << attr(category.name) << "\" time=\""
        << seconds(category.duration_seconds) << "\">\n      <error type=\"" << to_string(category.status)
        << "\" message=\"" << attr(category.error) << "\">" << attr(category.error) << "</error>\n    </testcase>\n";
  xml << "    <system-out>" << attr(tail(category.stdout_text, max_output_bytes)) << "</system-out>\n";
  xml << "    <system-err>" << attr(tail(category.stderr_text, max_output_bytes)) << "</system-err>\n";
  xml << "  </testsuite>\n</testsuites>\n";
  return xml.str();
}

}  // namespace integration_runner
