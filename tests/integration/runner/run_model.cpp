#include "run_model.hpp"

#include <algorithm>
#include <sstream>

namespace integration_runner {

const char* to_string(test_status status) {
  switch (status) {
    case test_status::passed: return "passed";
    case test_status::failed: return "failed";
    case test_status::error: return "error";
    case test_status::skipped: return "skipped";
    case test_status::timed_out: return "timed_out";
    case test_status::not_run: return "not_run";
  }
  return "unknown";
}

const char* to_string(category_status status) {
  switch (status) {
    case category_status::passed: return "PASSED";
    case category_status::failed: return "FAILED";
    case category_status::timeout: return "TIMEOUT";
  }
  return "UNKNOWN";
}

const char* to_string(coverage_status status) {
  switch (status) {
    case coverage_status::passed: return "passed";
    case coverage_status::failed: return "failed";
    case coverage_status::uncovered: return "uncovered";
    case coverage_status::not_run: return "not_run";
  }
  return "unknown";
}

bool test_result::failing() const {
  return status == test_status::failed || status == test_status::error || status == test_status::timed_out;
}

std::string test_result::failure_text() const {
  std::ostringstream text;
  bool first = true;
  for (const auto& message : messages) {
    if (message.kind == "message") continue;
    if (!first) text << "\n";
    first = false;
    if (!message.file.empty()) text << message.file << "(" << message.line << "): ";
    text << message.kind << ": " << message.text;
  }
  return text.str();
}

int point_coverage::passed_tests() const {
  return static_cast<int>(std::count_if(tests.begin(), tests.end(),
                                        [](const covering_test& t) { return t.status == test_status::passed; }));
}

int run_report::passed_categories() const {
  return static_cast<int>(std::count_if(categories.begin(), categories.end(),
                                        [](const category_result& c) { return c.success(); }));
}

int run_report::failed_categories() const { return static_cast<int>(categories.size()) - passed_categories(); }

double run_report::success_rate() const {
  if (categories.empty()) return 0;
  return 100.0 * passed_categories() / static_cast<double>(categories.size());
}

bool run_report::matrix_covered() const {
  return std::none_of(coverage.begin(), coverage.end(), [](const point_coverage& p) {
    return p.status == coverage_status::failed || p.status == coverage_status::uncovered;
  });
}

std::vector<std::string> run_report::verdict_reasons() const {
  std::vector<std::string> reasons;
  if (success_rate() < min_success_rate) {
    std::ostringstream reason;
    reason.setf(std::ios::fixed);
    reason.precision(1);
    reason << "success rate " << success_rate() << "% is below the required " << min_success_rate << "%";
    reasons.push_back(reason.str());
  }
  for (const auto& point : coverage) {
    if (point.status == coverage_status::uncovered)
      reasons.push_back("matrix point " + point.point.key + " has no test");
    else if (point.status == coverage_status::failed)
      reasons.push_back("matrix point " + point.point.key + " has no passing test (" +
                        std::to_string(point.tests.size()) + " covering test(s) did not pass)");
  }
  return reasons;
}

std::vector<point_coverage> compute_coverage(const integration_matrix& matrix,
                                             const std::vector<category_result>& categories,
                                             const std::vector<test_result>& unselected_tests) {
  std::vector<point_coverage> coverage;
  for (const auto& point : matrix.points) {
    point_coverage entry;
    entry.point = point;
    bool selected_test = false;
    for (const auto& category : categories)
      for (const auto& test : category.tests)
        if (test.status != test_status::skipped &&  // a disabled or skipped test exercises nothing
            std::find(test.labels.begin(), test.labels.end(), point.key) != test.labels.end()) {
          entry.tests.push_back({category.name, test.path, test.status});
          selected_test = true;
        }
    for (const auto& test : unselected_tests)
      if (std::find(test.labels.begin(), test.labels.end(), point.key) != test.labels.end())
        entry.tests.push_back({test.category, test.path, test_status::not_run});
    if (entry.tests.empty()) entry.status = coverage_status::uncovered;
    else if (entry.passed_tests() > 0) entry.status = coverage_status::passed;
    else if (selected_test) entry.status = coverage_status::failed;
    else entry.status = coverage_status::not_run;
    coverage.push_back(std::move(entry));
  }
  return coverage;
}

}  // namespace integration_runner
