// The document's wait_for_async_task (section 3.1) with its timeout taken from
// INTEGRATION_TASK_TIMEOUT_SECONDS, and polling of other eventually-visible effects.
#pragma once

#include "tests/integration/base/session.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace integration {

/// Polls GET /api/tasks/{task_id}/status/ as `s` until SUCCESS or FAILURE, up to task_timeout();
/// the final answer. Throws with the last answer when the task is not done in time (the
/// document raised TimeoutError).
http_test::response wait_for_task(session& s, const std::string& task_id);
/// The task id of a 202 {"task_id": ..., "status": "PENDING"} answer; throws with the answer
/// when it is anything else.
std::string accepted_task_id(const http_test::response& r);

/// Calls `done` every 200 ms until it returns true or `limit` (default task_timeout()) passes;
/// whether it did.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::milliseconds(0));

/// GET `path` as `s` until `holds` accepts the answer or `limit` passes; the last answer. For
/// state another process (the worker, the beat) wrote: the api node may serve its cached copy
/// for up to CACHE_TTL_MS (1 s by default) after the write.
http_test::response read_until(session& s, const std::string& path,
                               const std::function<bool(const http_test::response&)>& holds,
                               std::chrono::milliseconds limit = std::chrono::seconds(5));

}  // namespace integration
