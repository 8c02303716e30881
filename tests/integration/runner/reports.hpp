#pragma once
// The run's reports: JUnit XML per category (Jenkins' JUnit schema: junit-jenkins.xsd), the
// document's JSON report with per-test results and matrix coverage, one static index.html, and the
// console's summary block and matrix table.
#include "run_model.hpp"

#include <ostream>
#include <string>

namespace integration_runner {

std::string junit_xml(const category_result& category, const std::string& hostname);
std::string json_report(const run_report& report);
std::string html_report(const run_report& report);
void print_summary(const run_report& report, std::ostream& out);
void print_matrix_table(const std::vector<point_coverage>& coverage, std::ostream& out);

// File names inside the reports directory.
std::string junit_file_name(const std::string& category);
std::string json_file_name(const run_report& report);

}  // namespace integration_runner
