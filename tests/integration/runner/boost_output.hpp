#pragma once
// Reading what a Boost.Test program says about itself:
// - `--list_content=DOT`: the test tree with each case's labels (`|labels: @a @b`) and whether it is enabled;
// - the XML log (`--logger=XML,all,<file>`): per-case results, failure messages and testing time;
// - the HRF log on stdout (`--logger=HRF,test_suite,stdout`), line by line while it runs: progress, and
//   the results of a program that was killed before it could close its XML log.
#include "run_model.hpp"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace integration_runner {

struct listed_test {
  std::string path;        // without the master suite
  std::string name;
  std::string suite_path;  // with the master suite
  std::string file;
  int line = 0;
  std::vector<std::string> labels;
  bool enabled = true;
};

struct listing_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<listed_test> parse_dot_listing(const std::string& dot);

// Results from a complete XML log; nullopt when the log is missing, truncated or not Boost's.
std::optional<std::vector<test_result>> parse_xml_log(const std::string& xml);

// Follows the HRF log as it is printed. Each finished case is handed to `on_finished` at once.
class hrf_progress {
 public:
  using finished_callback = std::function<void(const test_result&)>;
  explicit hrf_progress(finished_callback on_finished) : on_finished_(std::move(on_finished)) {}
  void feed_line(const std::string& line);
  const std::vector<test_result>& finished() const { return finished_; }
  // The case that had started and not finished (the one running when the program was killed).
  std::optional<test_result> running() const { return running_; }

 private:
  std::string current_suite_path(bool with_master) const;
  finished_callback on_finished_;
  std::vector<std::string> suites_;  // master suite first
  std::optional<test_result> running_;
  std::vector<test_result> finished_;
};

}  // namespace integration_runner
