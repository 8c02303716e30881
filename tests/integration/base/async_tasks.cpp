#include "tests/integration/base/async_tasks.hpp"

#include "tests/http/support/tasks.hpp"
#include "tests/http/support/waiting.hpp"
#include "tests/integration/base/integration_env.hpp"

#include <stdexcept>

namespace integration {

http_test::response wait_for_task(session& s, const std::string& task_id) {
  auto limit = task_timeout();
  http_test::response last;
  bool done = http_test::poll_until(
    [&] {
      last = s.get("/api/tasks/" + task_id + "/status/");
      auto status = last.str("status");
      return last.status == 200 && (status == "SUCCESS" || status == "FAILURE");
    },
    limit, std::chrono::milliseconds(250));
  if (!done)
    throw std::runtime_error("task " + task_id + " did not finish within " + std::to_string(limit.count()) +
                             " s (INTEGRATION_TASK_TIMEOUT_SECONDS); last answer: " + last.describe());
  return last;
}

std::string accepted_task_id(const http_test::response& r) {
  auto id = r.str("task_id");
  if (r.status != 202 || id.empty() || r.str("status") != "PENDING")
    throw std::runtime_error(r.request + ": expected 202 {task_id, status: PENDING}, got " + r.describe());
  return id;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  if (limit.count() <= 0)
    limit = task_timeout();
  return http_test::poll_until(done, limit, std::chrono::milliseconds(200));
}

http_test::response read_until(session& s, const std::string& path,
                               const std::function<bool(const http_test::response&)>& holds,
                               std::chrono::milliseconds limit) {
  http_test::response last;
  eventually(
    [&] {
      last = s.get(path);
      return holds(last);
    },
    limit);
  return last;
}

}  // namespace integration
