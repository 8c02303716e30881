// index.html: one static page, no external assets (inline CSS and a little inline JS), readable
// without JavaScript; the script only filters the tests table.
#include "reports.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace integration_runner {
namespace {

std::string h(const std::string& text) { return xml_escape(clean_utf8(text)); }

std::string fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

const char* page_style = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
header{padding:18px 28px;color:#fff}
header.passed{background:#1e7d3a}header.failed{background:#b3261e}
header h1{margin:0 0 4px;font-size:22px}
main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:16px 0;padding:14px 18px}
h2{font-size:17px;margin:0 0 10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
th{font-weight:600;color:#4a5363}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.passed{background:#1e7d3a}.badge.failed,.badge.error{background:#b3261e}
.badge.timeout,.badge.timed_out{background:#b36b00}.badge.skipped,.badge.not_run,.badge.uncovered{background:#6b7280}
.bar{height:10px;background:#3b6fd8;border-radius:3px;min-width:2px}
.failure{border-left:4px solid #b3261e;padding:6px 10px;margin:10px 0;background:#fdf3f2}
.failure h3{font-size:14px;margin:0 0 4px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
.matrix-group h3{font-size:14px;margin:12px 0 6px;color:#4a5363}
.matrix-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:8px}
.matrix-cell{border-radius:6px;padding:8px 10px;color:#fff;min-height:54px}
.matrix-cell.passed{background:#1e7d3a}.matrix-cell.failed{background:#b3261e}
.matrix-cell.uncovered{background:#8a5a00}.matrix-cell.not_run{background:#6b7280}
.matrix-cell .key{font-weight:600}.matrix-cell .count{font-size:12px;opacity:.9}
.matrix-cell ul{margin:4px 0 0;padding-left:16px;font-size:11px;overflow-wrap:anywhere}
.legend span{margin-right:12px}
.filters button{margin-right:6px;border:1px solid #c7ccd4;background:#fff;border-radius:4px;padding:2px 10px;cursor:pointer}
.filters button.active{background:#1d2430;color:#fff}
)";

const char* page_script = R"(
(function(){
  var buttons=document.querySelectorAll('.filters button');
  buttons.forEach(function(button){
    button.addEventListener('click',function(){
      buttons.forEach(function(b){b.classList.remove('active');});
      button.classList.add('active');
      var wanted=button.getAttribute('data-filter');
      document.querySelectorAll('#tests tbody tr').forEach(function(row){
        var status=row.getAttribute('data-status');
        var show=wanted==='all'||(wanted==='failing'?['failed','error','timed_out'].indexOf(status)>=0:status===wanted);
        row.style.display=show?'':'none';
      });
    });
  });
})();
)";

}  // namespace

std::string html_report(const run_report& report) {
  const bool success = report.success();
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>Integration tests " << h(report.start_time) << ": " << (success ? "PASSED" : "FAILED") << "</title>\n"
       << "<style>" << page_style << "</style>\n</head>\n<body>\n";

  page << "<header id=\"verdict\" class=\"" << (success ? "passed" : "failed") << "\" data-success=\""
       << (success ? "true" : "false") << "\">\n<h1>Integration tests: " << (success ? "PASSED" : "FAILED") << "</h1>\n"
       << "<div>Started " << h(report.start_time) << ", ended " << h(report.end_time) << ", "
       << fixed(report.duration_seconds, 2) << " s. Success rate " << fixed(report.success_rate(), 1) << "% ("
       << report.passed_categories() << " of " << report.categories.size() << " categories; required "
       << fixed(report.min_success_rate, 1) << "%). Matrix " << (report.matrix_covered() ? "covered" : "NOT covered")
       << ".</div>\n";
  const auto reasons = report.verdict_reasons();
  if (!reasons.empty()) {
    page << "<ul id=\"verdict-reasons\">";
    for (const auto& reason : reasons) page << "<li>" << h(reason) << "</li>";
    page << "</ul>\n";
  }
  page << "</header>\n<main>\n";

  // Categories, with their durations as bars.
  double longest = 0.001;
  for (const auto& category : report.categories) longest = std::max(longest, category.duration_seconds);
  page << "<section id=\"categories\">\n<h2>Categories</h2>\n<table>\n<thead><tr><th>category</th><th>status</th>"
       << "<th>passed</th><th>failed</th><th>skipped</th><th>exit code</th><th>duration</th><th></th><th>JUnit</th></tr>"
       << "</thead>\n<tbody>\n";
  for (const auto& category : report.categories) {
    int passed = 0, failing = 0, skipped = 0;
    for (const auto& test : category.tests) {
      passed += test.status == test_status::passed;
      failing += test.failing();
      skipped += test.status == test_status::skipped || test.status == test_status::not_run;
    }
    const std::string status = lower(to_string(category.status));
    page << "<tr class=\"category\" data-category=\"" << h(category.name) << "\" data-status=\"" << status << "\">"
         << "<td>" << h(category.name) << "</td><td><span class=\"badge " << status << "\">"
         << to_string(category.status) << "</span></td><td>" << passed << "</td><td>" << failing << "</td><td>"
         << skipped << "</td><td>" << category.exit_code << "</td><td>" << fixed(category.duration_seconds, 2)
         << " s</td><td style=\"width:30%\"><div class=\"bar\" style=\"width:"
         << fixed(100.0 * category.duration_seconds / longest, 1) << "%\"></div></td><td><a href=\""
         << h(junit_file_name(category.name)) << "\">" << h(junit_file_name(category.name)) << "</a></td></tr>\n";
  }
  page << "</tbody>\n</table>\n</section>\n";

  // Failures with their messages.
  page << "<section id=\"failures\">\n<h2>Failures</h2>\n";
  int failure_count = 0;
  for (const auto& category : report.categories) {
    if (!category.success() && !category.error.empty()) {
      ++failure_count;
      page << "<div class=\"failure category-failure\" data-category=\"" << h(category.name) << "\"><h3>"
           << h(category.name) << ": " << to_string(category.status) << "</h3><pre>" << h(category.error)
           << "</pre></div>\n";
    }
    for (const auto& test : category.tests) {
      if (!test.failing()) continue;
      ++failure_count;
      page << "<div class=\"failure test-failure\" data-category=\"" << h(category.name) << "\" data-test=\""
           << h(test.path) << "\"><h3>" << h(category.name) << " / " << h(test.path) << " <span class=\"badge "
           << to_string(test.status) << "\">" << to_string(test.status) << "</span></h3>";
      if (!test.labels.empty()) {
        page << "<div>matrix points:";
        for (const auto& label : test.labels) page << " <code>" << h(label) << "</code>";
        page << "</div>";
      }
      const std::string text = test.failure_text();
      page << "<pre class=\"message\">" << h(text.empty() ? to_string(test.status) : text) << "</pre></div>\n";
    }
  }
  if (failure_count == 0) page << "<p id=\"no-failures\">No failures.</p>\n";
  page << "</section>\n";

  // The matrix as a grid coloured by status, one block per group.
  page << "<section id=\"matrix\">\n<h2>Integration matrix</h2>\n<div class=\"legend\">"
       << "<span><span class=\"badge passed\">passed</span> a covering test passed</span>"
       << "<span><span class=\"badge failed\">failed</span> covering tests, none passed</span>"
       << "<span><span class=\"badge uncovered\">uncovered</span> no test names it</span>"
       << "<span><span class=\"badge not_run\">not run</span> its tests were not selected</span></div>\n";
  std::vector<std::string> groups;
  for (const auto& point : report.coverage)
    if (std::find(groups.begin(), groups.end(), point.point.group) == groups.end()) groups.push_back(point.point.group);
  for (const auto& group : groups) {
    page << "<div class=\"matrix-group\" data-group=\"" << h(group) << "\"><h3>" << h(group) << "</h3>"
         << "<div class=\"matrix-grid\">\n";
    for (const auto& point : report.coverage) {
      if (point.point.group != group) continue;
      const std::string status = to_string(point.status);
      page << "<div class=\"matrix-cell " << status << "\" data-point=\"" << h(point.point.key) << "\" data-status=\""
           << status << "\" title=\"" << h(point.point.name) << "\"><div class=\"key\">" << h(point.point.key)
           << "</div><div class=\"count\">" << h(point.point.name)
           << (point.point.subgroup.empty() ? "" : " · " + h(point.point.subgroup)) << "<br>" << point.passed_tests()
           << " of " << point.tests.size() << " tests passed</div>";
      if (!point.tests.empty()) {
        page << "<ul>";
        for (const auto& test : point.tests)
          page << "<li>" << h(test.category) << "/" << h(test.path) << ": " << to_string(test.status) << "</li>";
        page << "</ul>";
      }
      page << "</div>\n";
    }
    page << "</div></div>\n";
  }
  page << "</section>\n";

  // Every test, slowest first, with a filter.
  std::vector<const test_result*> tests;
  for (const auto& category : report.categories)
    for (const auto& test : category.tests) tests.push_back(&test);
  std::stable_sort(tests.begin(), tests.end(),
                   [](const test_result* a, const test_result* b) { return a->duration_seconds > b->duration_seconds; });
  page << "<section id=\"durations\">\n<h2>Tests (" << tests.size() << "), slowest first</h2>\n"
       << "<div class=\"filters\"><button class=\"active\" data-filter=\"all\">all</button>"
       << "<button data-filter=\"failing\">failing</button><button data-filter=\"passed\">passed</button>"
       << "<button data-filter=\"skipped\">skipped</button></div>\n"
       << "<table id=\"tests\"><thead><tr><th>category</th><th>test</th><th>status</th><th>duration</th>"
       << "<th>matrix points</th></tr></thead>\n<tbody>\n";
  for (const auto* test : tests) {
    page << "<tr data-status=\"" << to_string(test->status) << "\"><td>" << h(test->category) << "</td><td>"
         << h(test->path) << "</td><td><span class=\"badge " << to_string(test->status) << "\">"
         << to_string(test->status) << "</span></td><td>" << fixed(test->duration_seconds, 3) << " s</td><td>";
    for (const auto& label : test->labels) page << "<code>" << h(label) << "</code> ";
    page << "</td></tr>\n";
  }
  page << "</tbody></table>\n</section>\n</main>\n<script>" << page_script << "</script>\n</body>\n</html>\n";
  return page.str();
}

}  // namespace integration_runner
