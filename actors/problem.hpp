// A domain error as a value: a machine code (API.md §1), a message a user can act on, and the
// offending fields. Actors reply with it; the front door maps the code to an HTTP status.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

using field_errors = std::map<std::string, std::vector<std::string>>;

struct problem {
  std::string code;  ///< empty means "no problem"
  std::string message;
  field_errors fields;

  bool ok() const { return code.empty(); }
  explicit operator bool() const { return !ok(); }

  static problem none() { return {}; }
  static problem validation(field_errors f, std::string msg = "invalid input") {
    return {"validation_error", std::move(msg), std::move(f)};
  }
  static problem of(std::string code, std::string msg) { return {std::move(code), std::move(msg), {}}; }
  /// A dependency (database, worker pool) did not answer: the client may retry.
  static problem unavailable() { return of("service_unavailable", "a backing service is unavailable, retry later"); }
  static problem internal() { return of("internal_error", "internal error"); }
};

}  // namespace commerce::actors
