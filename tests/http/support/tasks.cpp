#include "tests/http/support/tasks.hpp"

#include "tests/http/support/waiting.hpp"

namespace http_test {

namespace {

bool done(const response& r) {
  auto status = r.str("status");
  return r.status == 200 && (status == "SUCCESS" || status == "FAILURE");
}

}  // namespace

response wait_for_task(client& c, const std::string& task_id, const std::string& bearer,
                       std::chrono::milliseconds limit) {
  response last;
  poll_until(
    [&] {
      last = c.get("/api/tasks/" + task_id + "/status/", bearer);
      return done(last);
    },
    limit, std::chrono::milliseconds(100));
  return last;
}

std::string final_status_of(const response& r) { return done(r) ? r.str("status") : "<not done: " + r.describe() + ">"; }

}  // namespace http_test
