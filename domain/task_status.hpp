// A background task's state and record (API.md §3.7). Pure values: the job desk and the workers decide
// with them, the task repository binds their words into SQL, the views render them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::domain {

enum class task_status { pending, started, retry, success, failure };

inline const char* to_string(task_status s) {
  switch (s) {
    case task_status::pending: return "PENDING";
    case task_status::started: return "STARTED";
    case task_status::retry: return "RETRY";
    case task_status::success: return "SUCCESS";
    case task_status::failure: return "FAILURE";
  }
  return "PENDING";
}

inline std::optional<task_status> parse_task_status(std::string_view text) {
  for (auto s : {task_status::pending, task_status::started, task_status::retry, task_status::success,
                 task_status::failure})
    if (text == to_string(s))
      return s;
  return std::nullopt;
}

/// SUCCESS and FAILURE are final: a redelivered job of a finished task is not run again.
inline bool finished(task_status s) { return s == task_status::success || s == task_status::failure; }

/// A task's durable record (PostgreSQL's `tasks`; a Redis hash with a TTL caches it).
struct task_record {
  std::string id;
  std::string type;
  std::optional<int64_t> owner_user_id;  ///< who may read it besides staff; none: a system job (beat)
  task_status status = task_status::pending;
  std::optional<std::string> result;  ///< a JSON object's text, once SUCCESS
  std::optional<std::string> error;   ///< the last error (RETRY, FAILURE)
  int attempts = 0;
  std::string created_at;  ///< ISO-8601 UTC
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::string updated_at;
};

}  // namespace commerce::domain
