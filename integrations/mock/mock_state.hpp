// commerce-mock's state: active expectations and the journal of data-plane requests, shared by
// the Pistache threads under one mutex (a test mock: correctness over throughput).
#pragma once

#include "integrations/mock/mock_model.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace commerce::mock {

/// What the mock accepts and keeps at most, so no client can make it grow without bound.
struct mock_limits {
  /// Request line, headers and body together (Pistache's maxRequestSize); larger gets 413.
  /// Pistache re-scans an incomplete request line for every read, so a long path costs time
  /// quadratic in its length (a 1 MiB path: about 5 s): this bounds that too.
  std::size_t max_request_bytes = 8u << 20;
  std::size_t max_log_entries = 60'000;   ///< MockServer's maxLogEntries default; the oldest go first
  std::size_t max_expectations = 10'000;  ///< active expectations; a PUT past it is refused
};

/// verify's times, MockServer's VerificationTimes: -1 leaves that side unbounded.
struct verification_times {
  int64_t at_least = 1;
  int64_t at_most = 1;
  bool matches(int64_t count) const {
    return (at_least < 0 || count >= at_least) && (at_most < 0 || count <= at_most);
  }
  /// "exactly once", "at least 2 times", "at most once", "between 1 and 3 times".
  std::string describe() const;
};

/// What a verification counts: the requests a matcher accepts or, by expectation id, the requests
/// that expectation answered (as MockServer counts them).
struct request_selector {
  std::optional<request_matcher> matcher;  ///< nullopt: by expectation_id
  std::string expectation_id;
  std::string json;  ///< as the failure text shows it
};

/// MockServer's maximumNumberOfRequestToReturnInVerificationFailure default.
constexpr std::size_t default_requests_in_verification_failure = 10;

struct verification {
  request_selector what;
  verification_times times;
  std::size_t max_listed = default_requests_in_verification_failure;
};

struct verification_sequence {
  std::vector<request_selector> steps;  ///< all by matcher or all by expectation id
  std::string json;                     ///< the expected sequence, for the failure text
  std::size_t max_listed = default_requests_in_verification_failure;
};

enum class retrieve_type { requests, active_expectations, recorded_expectations, request_responses, logs };
enum class clear_type { all, log, expectations };

/// What a clear applies to: everything, what a request matcher selects, or an expectation by id
/// (the expectation itself, and the log entries its request matcher selects).
struct clear_target {
  std::optional<request_matcher> filter;
  std::optional<std::string> id;
};

class mock_state {
public:
  explicit mock_state(mock_limits limits = {}) : limits_(limits) {}

  /// Adds or replaces (same id) each expectation; returns them as MockServer renders them, in a
  /// JSON array. Throws bad_request, storing none of them, when they would exceed max_expectations.
  std::string upsert(std::vector<expectation> expectations);

  /// Records the request and returns the action of the first live expectation that matches
  /// (priority descending, then oldest), consuming one of its remaining times.
  struct action {
    std::optional<response_action> response;
    std::optional<error_action> error;
  };
  std::optional<action> handle(const recorded_request& r);

  /// nullopt when the selected requests were seen as often as `times` says; otherwise
  /// MockServer's failure text.
  std::optional<std::string> verify(const verification& v);
  /// nullopt when the steps were seen in this order (gaps allowed); otherwise MockServer's text.
  std::optional<std::string> verify_sequence(const verification_sequence& s);

  /// MockServer's retrieve answer for `type`, restricted to what `filter` matches: a JSON array,
  /// or for logs the messages as text, separated as MockServer separates them.
  std::string retrieve(retrieve_type type, const std::optional<request_matcher>& filter);

  void clear(const clear_target& target, clear_type type);
  void reset();

private:
  /// One data-plane request and what the mock did with it.
  struct exchange {
    std::shared_ptr<const recorded_request> request;  ///< shared with its log messages
    std::chrono::system_clock::time_point received;
    std::string expectation_id;               ///< empty: no expectation matched
    std::optional<response_action> response;  ///< nullopt: the connection was dropped (httpError)
  };
  /// One message of the event log (retrieve?type=LOGS), formatted only when retrieved, so that
  /// answering a request costs no rendering and holds no second copy of it.
  struct log_message {
    std::chrono::system_clock::time_point at;
    std::string format;                               ///< MockServer's message format, "{}" per argument
    std::vector<std::optional<std::string>> arguments;  ///< JSON or text; nullopt: `request`
    std::shared_ptr<const recorded_request> request;  ///< what it is about, for filters; none: any filter
  };

  void drop_expired();
  void log(std::string format, std::vector<std::optional<std::string>> arguments = {},
           std::shared_ptr<const recorded_request> request = nullptr);
  /// Requests (in order) a verification looks at: all of them, or those answered by expectations.
  std::vector<const recorded_request*> requests_seen(bool answered_by_expectations_only) const;
  std::string failure_list(const std::vector<const recorded_request*>& requests, std::size_t max_listed) const;
  std::string retrieve_expectations(const std::optional<request_matcher>& filter);
  std::string retrieve_logs(const std::optional<request_matcher>& filter) const;

  const mock_limits limits_;
  std::mutex mtx_;
  std::vector<expectation> expectations_;
  std::deque<exchange> journal_;         ///< oldest first, at most limits_.max_log_entries
  std::deque<log_message> messages_;     ///< oldest first, at most limits_.max_log_entries
  uint64_t next_sequence_ = 0;
  uint64_t next_id_ = 0;
};

}  // namespace commerce::mock
