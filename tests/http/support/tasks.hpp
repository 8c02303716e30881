// Test support: background tasks: polling GET /api/tasks/{id}/status/ until the task is done,
// as the document's wait_for_async_task does (but with a deadline that fails the case).
#pragma once

#include "tests/http/support/http_client.hpp"

#include <chrono>
#include <string>

namespace http_test {

/// Polls GET /api/tasks/{task_id}/status/ as `bearer` every 100 ms until it answers 200 with
/// status SUCCESS or FAILURE, or `limit` has passed; the last answer (check its status).
response wait_for_task(client& c, const std::string& task_id, const std::string& bearer,
                       std::chrono::milliseconds limit = std::chrono::seconds(30));

/// The task's final status ("SUCCESS", "FAILURE"), or "<not done: ...>" with the last answer.
std::string final_status_of(const response& r);

}  // namespace http_test
