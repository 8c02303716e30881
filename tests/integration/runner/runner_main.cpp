// build/integration-runner: the document's scripts/integration_test_runner.py in C++ (section 6.1).
// Lists the four category programs' tests and matrix labels, waits for /health/, runs the categories
// one after another with progress, and writes JUnit, JSON and HTML reports; exits 0 only when the
// success rate reaches --min-success-rate and every matrix point has a passing test.
#include "boost_output.hpp"
#include "child_process.hpp"
#include "health.hpp"
#include "matrix.hpp"
#include "reports.hpp"
#include "run_model.hpp"

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

extern char** environ;

namespace fs = std::filesystem;
using namespace integration_runner;

namespace {

// The document's order.
const std::vector<std::string> all_categories = {"user_flows", "payment_integration", "external_services",
                                                 "async_processes"};

constexpr int exit_usage = 2;

struct options {
  std::string matrix_path = COMMERCE_SOURCE_DIR "/config/integration_test_matrix.yml";
  std::string tests_dir;
  std::string reports_dir = "integration_reports";
  std::vector<std::string> only;
  int health_timeout_seconds = 300;
  int category_timeout_seconds = 600;
  double min_success_rate = 80;
  bool print_matrix = false;
  std::map<std::string, std::string> urls;  // env name -> value given by flag or environment
};

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

std::string default_tests_dir() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("tests/integration") : (self.parent_path() / "tests" / "integration").string();
}

std::string iso_time(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &local);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count() % 1000000;
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros));
  return std::string(buffer) + fraction;
}

std::string file_stamp(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d_%H%M%S", &local);
  return buffer;
}

std::string hostname() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct category_listing {
  std::string category;
  std::string program;
  bool present = false;
  std::string error;
  std::vector<listed_test> tests;
};

category_listing list_category(const std::string& category, const options& opts,
                               const std::map<std::string, std::string>& env) {
  category_listing listing;
  listing.category = category;
  listing.program = (fs::path(opts.tests_dir) / category).string();
  std::error_code error;
  if (!fs::is_regular_file(listing.program, error)) {
    listing.error = "program not found: " + listing.program;
    return listing;
  }
  listing.present = true;
  const auto outcome =
      run_child_collecting({listing.program, "--list_content=DOT"}, env, std::chrono::seconds(60));
  if (!outcome.started) {
    listing.error = outcome.start_error;
    return listing;
  }
  if (outcome.timed_out || outcome.exit_code != 0) {
    listing.error = listing.program + " --list_content=DOT " +
                    (outcome.timed_out ? std::string("did not finish in 60 s")
                                       : "failed (exit " + std::to_string(outcome.exit_code) + ")");
    return listing;
  }
  try {
    // Boost.Test 1.74 prints the listing on stderr; read both.
    listing.tests = parse_dot_listing(outcome.stderr_text + "\n" + outcome.stdout_text);
  } catch (const listing_error& e) {
    listing.error = listing.program + ": " + e.what();
  }
  return listing;
}

std::string first_failure_line(const test_result& test) {
  for (const auto& message : test.messages)
    if (message.kind != "message") {
      const auto text = message.text.substr(0, message.text.find('\n'));
      return text.size() > 160 ? text.substr(0, 160) + "..." : text;
    }
  return to_string(test.status);
}

category_result run_category(const category_listing& listing, const options& opts,
                             const std::map<std::string, std::string>& env, const fs::path& raw_dir,
                             bool& interrupted) {
  category_result result;
  result.name = listing.category;
  result.program = listing.program;
  result.started_at = iso_time(std::chrono::system_clock::now());
  std::size_t enabled = 0;
  for (const auto& test : listing.tests) enabled += test.enabled;
  std::cout << "\n📋 Running " << listing.category << " (" << enabled << " tests)..." << std::endl;
  if (!listing.error.empty()) {
    result.status = category_status::failed;
    result.error = listing.error;
    std::cout << "   " << listing.error << "\n❌ " << listing.category << ": FAILED" << std::endl;
    return result;
  }

  const fs::path xml_log = raw_dir / (listing.category + ".xml");
  std::error_code ignored;
  fs::remove(xml_log, ignored);
  std::size_t done = 0;
  hrf_progress progress([&](const test_result& test) {
    if (test.status == test_status::skipped) {
      std::cout << "  ⏭  " << test.path << " (skipped: " << test.skip_reason << ")" << std::endl;
      return;
    }
    ++done;
    const char* mark = test.status == test_status::passed ? "✅" : "❌";
    std::cout << "  " << mark << " [" << done << "/" << enabled << "] " << test.path << " (" << std::fixed
              << std::setprecision(2) << test.duration_seconds << " s)";
    if (test.failing()) std::cout << ": " << first_failure_line(test);
    std::cout << std::endl;
  });
  child_spec spec;
  spec.argv = {listing.program, "--logger=HRF,test_suite,stdout:XML,all," + xml_log.string(), "--report_level=no",
               "--color_output=no"};
  spec.env = env;
  spec.timeout = std::chrono::seconds(opts.category_timeout_seconds);
  spec.on_stdout_line = [&](const std::string& line) { progress.feed_line(line); };
  const child_outcome outcome = run_child(spec);
  interrupted = outcome.interrupted;
  result.duration_seconds = outcome.duration_seconds;
  result.stdout_text = outcome.stdout_text;
  result.stderr_text = outcome.stderr_text;
  result.exit_code = outcome.exit_code;
  write_file(raw_dir / (listing.category + ".log"), outcome.stdout_text + outcome.stderr_text);

  std::optional<std::vector<test_result>> tests;
  if (outcome.started && !outcome.timed_out && !outcome.interrupted) {
    std::ifstream in(xml_log, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    tests = parse_xml_log(text.str());
  }
  if (!tests) {
    // Killed (or the log is unreadable): what the HRF log told so far, the running case, and the rest not run.
    tests = progress.finished();
    if (auto running = progress.running()) {
      running->status = outcome.timed_out ? test_status::timed_out : test_status::error;
      running->messages.push_back({"exception", "", 0,
                                   outcome.timed_out ? "still running when the category timed out after " +
                                                           std::to_string(opts.category_timeout_seconds) + " s"
                                                     : "the program stopped while this test ran"});
      std::cout << "  " << (outcome.timed_out ? "⏰" : "❌") << " " << running->path << ": "
                << running->messages.back().text << std::endl;
      tests->push_back(*running);
    }
  }
  // Labels and locations come from the listing; listed tests that never ran are reported as not run.
  for (auto& test : *tests) {
    test.category = listing.category;
    for (const auto& listed : listing.tests)
      if (listed.path == test.path) {
        test.labels = listed.labels;
        if (test.suite_path.empty()) test.suite_path = listed.suite_path;
      }
  }
  for (const auto& listed : listing.tests) {
    if (!listed.enabled) continue;
    const bool seen = std::any_of(tests->begin(), tests->end(), [&](const test_result& t) { return t.path == listed.path; });
    if (seen) continue;
    test_result missing;
    missing.category = listing.category;
    missing.path = listed.path;
    missing.name = listed.name;
    missing.suite_path = listed.suite_path;
    missing.file = listed.file;
    missing.line = listed.line;
    missing.labels = listed.labels;
    missing.status = test_status::not_run;
    missing.skip_reason = outcome.timed_out ? "not run: the category timed out" : "not run";
    tests->push_back(std::move(missing));
  }
  result.tests = std::move(*tests);

  const bool any_failing = std::any_of(result.tests.begin(), result.tests.end(),
                                       [](const test_result& t) { return t.failing(); });
  if (!outcome.started) {
    result.status = category_status::failed;
    result.error = outcome.start_error;
  } else if (outcome.timed_out) {
    result.status = category_status::timeout;
    result.error = "Timeout expired: no result after " + std::to_string(opts.category_timeout_seconds) + " s";
    if (auto running = progress.running()) result.error += " (running " + running->path + ")";
  } else if (outcome.interrupted) {
    result.status = category_status::failed;
    result.error = "interrupted (SIGINT/SIGTERM)";
  } else if (outcome.signal != 0) {
    result.status = category_status::failed;
    result.error = "killed by signal " + std::to_string(outcome.signal);
  } else if (outcome.exit_code != 0 || any_failing) {
    result.status = category_status::failed;
    if (!any_failing) result.error = "exited with code " + std::to_string(outcome.exit_code) + " with no failing test";
  } else {
    result.status = category_status::passed;
  }
  const char* mark = result.status == category_status::passed ? "✅" : result.status == category_status::timeout ? "⏰" : "❌";
  std::cout << mark << " " << result.name << ": " << to_string(result.status);
  if (!result.error.empty()) std::cout << " (" << result.error << ")";
  std::cout << std::endl;
  return result;
}

int run(const options& opts) {
  integration_matrix matrix;
  try {
    matrix = load_matrix(opts.matrix_path);
  } catch (const matrix_error& e) {
    std::cerr << "integration-runner: " << e.what() << "\n";
    return exit_usage;
  }
  if (opts.print_matrix) {
    std::cout << matrix.source << ": " << matrix.points.size() << " points\n";
    for (const auto& point : matrix.points)
      std::cout << "  " << std::left << std::setw(30) << point.key << std::setw(36)
                << (point.group + (point.subgroup.empty() ? "" : "/" + point.subgroup)) << point.name << "\n";
    return 0;
  }

  const auto start = std::chrono::system_clock::now();
  const auto start_steady = std::chrono::steady_clock::now();
  std::cout << "🚀 Starting integration tests..." << std::endl;

  auto env = current_environment();
  for (const auto& [name, value] : opts.urls)
    if (!value.empty()) env[name] = value;

  std::vector<std::string> selected = opts.only.empty() ? all_categories : std::vector<std::string>{};
  for (const auto& category : all_categories)
    if (std::find(opts.only.begin(), opts.only.end(), category) != opts.only.end()) selected.push_back(category);

  // List every category first: an unknown matrix point in any of them is an error before anything runs.
  std::vector<category_listing> listings;
  std::vector<std::string> unknown;
  for (const auto& category : all_categories) {
    const bool is_selected = std::find(selected.begin(), selected.end(), category) != selected.end();
    auto listing = list_category(category, opts, env);
    if (!is_selected && !listing.present) continue;
    if (!is_selected && !listing.error.empty()) {
      std::cout << "   (not selected) " << listing.error << "\n";
      continue;
    }
    for (const auto& test : listing.tests)
      for (const auto& label : test.labels)
        if (is_matrix_label(label) && !matrix.find(label))
          unknown.push_back(category + "/" + test.path + " (" + test.file + ":" + std::to_string(test.line) +
                            ") names `" + label + "`");
    listings.push_back(std::move(listing));
  }
  if (!unknown.empty()) {
    std::cerr << "❌ Integration testing failed: tests name matrix points that are not in " << matrix.source << ":\n";
    for (const auto& line : unknown) std::cerr << "   " << line << "\n";
    return 1;
  }

  std::vector<health_target> targets{{"APP_URL", env["APP_URL"]}};
  for (const auto& [name, value] : env)
    if (name.rfind("APP_URL_PROVIDERS_", 0) == 0 && !value.empty()) targets.push_back({name, value});
  if (!wait_for_health(targets, std::chrono::seconds(opts.health_timeout_seconds), std::chrono::seconds(1),
                       std::cout)) {
    std::cout << "❌ Integration testing failed: Services did not become ready in time (" << opts.health_timeout_seconds
              << " s)" << std::endl;
    return 1;
  }

  const fs::path reports_dir = opts.reports_dir;
  const fs::path raw_dir = reports_dir / "boost";
  std::error_code error;
  fs::create_directories(raw_dir, error);
  if (error) {
    std::cerr << "integration-runner: cannot create " << raw_dir.string() << ": " << error.message() << "\n";
    return 1;
  }

  run_report report;
  report.start_time = iso_time(start);
  report.file_stamp = file_stamp(start);
  report.min_success_rate = opts.min_success_rate;
  report.selected_categories = selected;
  std::vector<test_result> unselected_tests;
  bool interrupted = false;
  for (const auto& listing : listings) {
    const bool is_selected = std::find(selected.begin(), selected.end(), listing.category) != selected.end();
    if (!is_selected || interrupted) {
      for (const auto& listed : listing.tests) {
        if (!listed.enabled) continue;
        test_result test;
        test.category = listing.category;
        test.path = listed.path;
        test.labels = listed.labels;
        unselected_tests.push_back(std::move(test));
      }
      continue;
    }
    report.categories.push_back(run_category(listing, opts, env, raw_dir, interrupted));
  }
  // A selected category whose program is missing was listed with its error; make sure none is lost.
  for (const auto& category : selected)
    if (std::none_of(report.categories.begin(), report.categories.end(),
                     [&](const category_result& c) { return c.name == category; }) && !interrupted) {
      category_result missing;
      missing.name = category;
      missing.program = (fs::path(opts.tests_dir) / category).string();
      missing.error = "program not found: " + missing.program;
      report.categories.push_back(std::move(missing));
    }

  report.coverage = compute_coverage(matrix, report.categories, unselected_tests);
  const auto end = std::chrono::system_clock::now();
  report.end_time = iso_time(end);
  report.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_steady).count();

  try {
    const std::string host = hostname();
    // A JUnit file left by an earlier run of a category not run now would be read as this run's.
    for (const auto& category : all_categories) fs::remove(reports_dir / junit_file_name(category), error);
    for (const auto& category : report.categories)
      write_file(reports_dir / junit_file_name(category.name), junit_xml(category, host));
    write_file(reports_dir / json_file_name(report), json_report(report));
    write_file(reports_dir / "index.html", html_report(report));
  } catch (const std::exception& e) {
    std::cerr << "integration-runner: " << e.what() << "\n";
    return 1;
  }
  std::cout << "\n📄 Reports in " << reports_dir.string() << ": " << json_file_name(report)
            << ", index.html, *_results.xml" << std::endl;

  print_summary(report, std::cout);
  print_matrix_table(report.coverage, std::cout);
  const auto reasons = report.verdict_reasons();
  if (interrupted) {
    std::cout << "\n❌ Interrupted\n";
    return 130;
  }
  if (!reasons.empty()) {
    std::cout << "\n❌ Integration testing failed:\n";
    for (const auto& reason : reasons) std::cout << "   " << reason << "\n";
    return 1;
  }
  std::cout << "\n✅ Integration testing passed\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  opts.tests_dir = default_tests_dir();
  const auto env = current_environment();
  auto from_env = [&](const char* name, const char* fallback) {
    const auto it = env.find(name);
    return it != env.end() && !it->second.empty() ? it->second : std::string(fallback);
  };
  std::string app_url = from_env("APP_URL", "http://localhost:8000");
  std::map<std::string, std::string> mock_urls;
  for (const char* name : {"PAYMENT_MOCK_URL", "SHIPPING_MOCK_URL", "EMAIL_MOCK_URL", "SMS_MOCK_URL", "INVENTORY_MOCK_URL"})
    mock_urls[name] = from_env(name, "");

  CLI::App app{"Runs the integration categories (user_flows, payment_integration, external_services, "
               "async_processes) against a running stack and writes JUnit, JSON and HTML reports.",
               "integration-runner"};
  app.add_option("--matrix", opts.matrix_path, "the integration matrix (YAML)")->capture_default_str();
  app.add_option("--tests-dir", opts.tests_dir, "where the category programs are")->capture_default_str();
  app.add_option("--reports-dir", opts.reports_dir, "where the reports go")->capture_default_str();
  app.add_option("--only", opts.only, "run only this category (repeatable)")
      ->check(CLI::IsMember(all_categories))
      ->take_all();
  app.add_option("--health-timeout", opts.health_timeout_seconds, "seconds to wait for /health/")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  app.add_option("--category-timeout", opts.category_timeout_seconds, "seconds one category may run (then TIMEOUT)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--min-success-rate", opts.min_success_rate, "percent of categories that must pass")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  app.add_option("--app-url", app_url, "the app's base URL [env APP_URL]")->capture_default_str();
  app.add_option("--payment-mock-url", mock_urls["PAYMENT_MOCK_URL"], "[env PAYMENT_MOCK_URL]");
  app.add_option("--shipping-mock-url", mock_urls["SHIPPING_MOCK_URL"], "[env SHIPPING_MOCK_URL]");
  app.add_option("--email-mock-url", mock_urls["EMAIL_MOCK_URL"], "[env EMAIL_MOCK_URL]");
  app.add_option("--sms-mock-url", mock_urls["SMS_MOCK_URL"], "[env SMS_MOCK_URL]");
  app.add_option("--inventory-mock-url", mock_urls["INVENTORY_MOCK_URL"], "[env INVENTORY_MOCK_URL]");
  app.add_flag("--print-matrix", opts.print_matrix, "check the matrix file, print its points and exit");
  app.footer(
      "Exit status: 0 when the success rate reaches --min-success-rate and every matrix point has a passing "
      "test; 1 otherwise (or when /health/ never answered ready, or a test names an unknown matrix point); "
      "2 for bad flags or an unreadable matrix; 130 when interrupted.\n"
      "Each category program gets the environment with APP_URL and the *_MOCK_URL variables set from the flags.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "integration-runner: " << message << " (see --help)\n";
    return exit_usage;
  }
  for (const auto& [name, value] : std::map<std::string, std::string>{{"APP_URL", app_url}})
    opts.urls[name] = value;
  for (const auto& [name, value] : mock_urls) opts.urls[name] = value;
  for (const auto& [name, value] : opts.urls)
    if (!value.empty() && value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      std::cerr << "integration-runner: " << name << " must be an http:// or https:// URL, got `" << value << "`\n";
      return exit_usage;
    }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int status = run(opts);
  curl_global_cleanup();
  return status;
}
