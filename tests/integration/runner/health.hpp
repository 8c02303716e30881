#pragma once
// The document's wait_for_services: GET <url>/health/ until it answers 200 with every JSON value
// true (Python's truthiness, as the document's all(health_data.values())), for each app URL.
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace integration_runner {

struct health_target {
  std::string label;  // "APP_URL", "APP_URL_PROVIDERS_A"
  std::string base_url;
};

struct health_answer {
  bool ready = false;
  std::string summary;  // "200 {database: true, worker: false}", "connection refused", ...
};

health_answer check_health(const std::string& base_url, std::chrono::milliseconds request_timeout);

// True when all targets became ready within `timeout`; says what it waits for and every change.
bool wait_for_health(const std::vector<health_target>& targets, std::chrono::seconds timeout,
                     std::chrono::milliseconds poll_interval, std::ostream& out);

}  // namespace integration_runner
