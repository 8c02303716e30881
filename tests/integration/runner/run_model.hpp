#pragma once
// What one run of the integration categories produced: the values every report (console, JSON,
// JUnit, HTML) is written from, so that the four cannot disagree.
#include "matrix.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace integration_runner {

enum class test_status { passed, failed, error, skipped, timed_out, not_run };
const char* to_string(test_status status);

enum class category_status { passed, failed, timeout };
const char* to_string(category_status status);

struct test_message {
  std::string kind;   // "error", "fatal_error", "exception" (failures) or "message"
  std::string file;
  int line = 0;
  std::string text;
};

struct test_result {
  std::string category;
  std::string path;        // Boost.Test path without the master suite: "suite/case"
  std::string name;        // the case's own name
  std::string suite_path;  // "master/suite" (JUnit classname)
  std::string file;
  int line = 0;
  std::vector<std::string> labels;
  test_status status = test_status::not_run;
  double duration_seconds = 0;
  std::vector<test_message> messages;  // failures first-class; info messages kept for context
  std::string skip_reason;

  bool failing() const;
  // The failure messages only, joined by newlines (what JUnit and the HTML show).
  std::string failure_text() const;
};

struct category_result {
  std::string name;
  std::string program;
  category_status status = category_status::failed;
  int exit_code = -1;  // -1: no exit status (not started, killed by a signal or timed out)
  std::string error;   // why the category failed as a whole (missing program, timeout, signal, ...)
  double duration_seconds = 0;
  std::string started_at;  // ISO 8601, local time
  std::string stdout_text;
  std::string stderr_text;
  std::vector<test_result> tests;
  bool success() const { return status == category_status::passed; }
};

enum class coverage_status { passed, failed, uncovered, not_run };
const char* to_string(coverage_status status);

struct covering_test {
  std::string category;
  std::string path;
  test_status status = test_status::not_run;
};

struct point_coverage {
  matrix_point point;
  coverage_status status = coverage_status::uncovered;
  std::vector<covering_test> tests;
  int passed_tests() const;
};

struct run_report {
  std::string start_time;  // ISO 8601, local time, like the document's datetime.isoformat()
  std::string end_time;
  std::string file_stamp;  // YYYYmmdd_HHMMSS of the start
  double duration_seconds = 0;
  double min_success_rate = 80;
  std::vector<std::string> selected_categories;
  std::vector<category_result> categories;
  std::vector<point_coverage> coverage;

  int passed_categories() const;
  int failed_categories() const;
  double success_rate() const;
  bool matrix_covered() const;  // every point selected for this run has a passing test
  bool success() const { return success_rate() >= min_success_rate && matrix_covered(); }
  std::vector<std::string> verdict_reasons() const;  // empty when success()
};

// Coverage of each matrix point by the tests of the run. Tests listed in categories that were not
// selected (`--only`) leave their points `not_run` unless a selected test covers them too; a point
// that no test anywhere names is `uncovered`.
std::vector<point_coverage> compute_coverage(const integration_matrix& matrix,
                                             const std::vector<category_result>& categories,
                                             const std::vector<test_result>& unselected_tests);

}  // namespace integration_runner
