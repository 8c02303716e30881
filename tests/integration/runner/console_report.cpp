#include "reports.hpp"

#include <cstdio>
#include <iomanip>

namespace integration_runner {

void print_summary(const run_report& report, std::ostream& out) {
  const std::string rule(60, '=');
  char line[128];
  out << "\n" << rule << "\nINTEGRATION TESTING SUMMARY\n" << rule << "\n";
  std::snprintf(line, sizeof line, "Duration: %.2f seconds\n", report.duration_seconds);
  out << line;
  std::snprintf(line, sizeof line, "Success Rate: %.1f%%\n", report.success_rate());
  out << line;
  out << "Passed: " << report.passed_categories() << "\n";
  out << "Failed: " << report.failed_categories() << "\n";
  out << rule << "\n";
}

void print_matrix_table(const std::vector<point_coverage>& coverage, std::ostream& out) {
  std::size_t width = 5;
  for (const auto& point : coverage) width = std::max(width, point.point.key.size());
  out << "\nINTEGRATION MATRIX\n";
  out << std::left << std::setw(static_cast<int>(width) + 2) << "point" << std::setw(11) << "status"
      << "passed/tests  covering tests\n";
  for (const auto& point : coverage) {
    std::string status = to_string(point.status);
    for (auto& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string tests;
    for (const auto& test : point.tests) {
      if (!tests.empty()) tests += ", ";
      tests += test.category + "/" + test.path + (test.status == test_status::passed ? "" : std::string(" (") + to_string(test.status) + ")");
    }
    out << std::left << std::setw(static_cast<int>(width) + 2) << point.point.key << std::setw(11) << status
        << std::setw(14) << (std::to_string(point.passed_tests()) + "/" + std::to_string(point.tests.size()))
        << (tests.empty() ? "-" : tests) << "\n";
  }
  out << std::right;
}

}  // namespace integration_runner
