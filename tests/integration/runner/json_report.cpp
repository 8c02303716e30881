#include "reports.hpp"
#include "text.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>

namespace integration_runner {
namespace {

using writer_type = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
constexpr std::size_t max_output_bytes = 1024 * 1024;

void text(writer_type& w, const char* key, const std::string& value) {
  w.Key(key);
  const std::string clean = clean_utf8(value);
  w.String(clean.c_str(), static_cast<rapidjson::SizeType>(clean.size()));
}

double rounded(double value, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

void write_test(writer_type& w, const test_result& test) {
  w.StartObject();
  text(w, "name", test.path);
  text(w, "suite", test.suite_path);
  text(w, "status", to_string(test.status));
  w.Key("success");
  w.Bool(test.status == test_status::passed);
  w.Key("duration_seconds");
  w.Double(rounded(test.duration_seconds, 6));
  text(w, "file", test.file);
  w.Key("line");
  w.Int(test.line);
  w.Key("labels");
  w.StartArray();
  for (const auto& label : test.labels) w.String(clean_utf8(label).c_str());
  w.EndArray();
  w.Key("messages");
  w.StartArray();
  for (const auto& message : test.messages) {
    w.StartObject();
    text(w, "kind", message.kind);
    text(w, "file", message.file);
    w.Key("line");
    w.Int(message.line);
    text(w, "text", message.text);
    w.EndObject();
  }
  w.EndArray();
  if (!test.skip_reason.empty()) text(w, "skip_reason", test.skip_reason);
  w.EndObject();
}

}  // namespace

std::string json_file_name(const run_report& report) { return "integration_test_" + report.file_stamp + ".json"; }

std::string json_report(const run_report& report) {
  rapidjson::StringBuffer buffer;
  writer_type w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();

  // The document's block, then what the C++ runner adds.
  w.Key("integration_test_report");
  w.StartObject();
  text(w, "start_time", report.start_time);
  text(w, "end_time", report.end_time);
  w.Key("duration_seconds");
  w.Double(rounded(report.duration_seconds, 3));
  w.Key("total_test_categories");
  w.Int(static_cast<int>(report.categories.size()));
  w.Key("passed_categories");
  w.Int(report.passed_categories());
  w.Key("failed_categories");
  w.Int(report.failed_categories());
  w.Key("success_rate");
  w.Double(rounded(report.success_rate(), 2));
  w.Key("min_success_rate");
  w.Double(report.min_success_rate);
  w.Key("matrix_covered");
  w.Bool(report.matrix_covered());
  w.Key("success");
  w.Bool(report.success());
  w.Key("verdict_reasons");
  w.StartArray();
  for (const auto& reason : report.verdict_reasons()) w.String(clean_utf8(reason).c_str());
  w.EndArray();
  int total = 0, passed = 0, failing = 0;
  for (const auto& category : report.categories)
    for (const auto& test : category.tests) {
      ++total;
      passed += test.status == test_status::passed;
      failing += test.failing();
    }
  w.Key("total_tests");
  w.Int(total);
  w.Key("passed_tests");
  w.Int(passed);
  w.Key("failed_tests");
  w.Int(failing);
  w.EndObject();

  w.Key("test_results");
  w.StartObject();
  for (const auto& category : report.categories) {
    w.Key(category.name.c_str());
    w.StartObject();
    text(w, "status", to_string(category.status));
    w.Key("exit_code");
    w.Int(category.exit_code);
    w.Key("success");
    w.Bool(category.success());
    if (!category.error.empty()) text(w, "error", category.error);
    text(w, "program", category.program);
    text(w, "start_time", category.started_at);
    w.Key("duration_seconds");
    w.Double(rounded(category.duration_seconds, 3));
    text(w, "junit_file", junit_file_name(category.name));
    text(w, "stdout", tail(category.stdout_text, max_output_bytes));
    text(w, "stderr", tail(category.stderr_text, max_output_bytes));
    w.Key("tests");
    w.StartArray();
    for (const auto& test : category.tests) write_test(w, test);
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();

  w.Key("matrix_coverage");
  w.StartObject();
  w.Key("covered");
  w.Bool(report.matrix_covered());
  w.Key("points");
  w.StartArray();
  for (const auto& point : report.coverage) {
    w.StartObject();
    text(w, "point", point.point.key);
    text(w, "group", point.point.group);
    if (!point.point.subgroup.empty()) text(w, "subgroup", point.point.subgroup);
    text(w, "name", point.point.name);
    text(w, "status", to_string(point.status));
    w.Key("passed");
    w.Bool(point.status == coverage_status::passed);
    w.Key("passed_tests");
    w.Int(point.passed_tests());
    w.Key("tests");
    w.StartArray();
    for (const auto& test : point.tests) {
      w.StartObject();
      text(w, "category", test.category);
      text(w, "test", test.path);
      text(w, "status", to_string(test.status));
      w.Key("passed");
      w.Bool(test.status == test_status::passed);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace integration_runner
