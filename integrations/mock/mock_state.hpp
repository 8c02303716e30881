// commerce-mock's state: active expectations and the journal of data-plane requests, shared by
// the Pistache threads under one mutex (a test mock: correctness over throughput).
#pragma once

#include "integrations/mock/mock_model.hpp"

#include <cstddef>
#include <deque>
#include <map>
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

class mock_state {
public:
  explicit mock_state(mock_limits limits = {}) : limits_(limits) {}

  /// Adds or replaces (same id) each expectation; returns their JSON (ids filled in) as an array.
  /// Throws bad_request, storing none of them, when they would exceed max_expectations.
  std::string upsert(std::vector<expectation> expectations);

  /// Records the request and returns the action of the first live expectation that matches
  /// (priority descending, then oldest), consuming one of its remaining times.
  struct action {
    std::optional<response_action> response;
    std::optional<error_action> error;
  };
  std::optional<action> handle(const recorded_request& r);

  /// nullopt when `matcher` was seen between at_least and at_most times (at_most < 0: no
  /// bound); otherwise MockServer's failure text.
  std::optional<std::string> verify(const request_matcher& matcher, const std::string& matcher_json, int64_t at_least,
                                    int64_t at_most);
  /// nullopt when the matchers were seen in this order (gaps allowed).
  std::optional<std::string> verify_sequence(const std::vector<request_matcher>& matchers, const std::string& expected_json);

  /// JSON array of the recorded requests (or active expectations) that `filter` matches.
  std::string retrieve_requests(const std::optional<request_matcher>& filter);
  std::string retrieve_expectations(const std::optional<request_matcher>& filter);

  /// Clears expectations and/or the journal entries `filter` matches (everything without one).
  void clear(const std::optional<request_matcher>& filter, const std::optional<std::string>& id, bool expectations,
             bool log);
  void reset();

  /// The request matcher of an expectation ever upserted under `id` (since the last reset),
  /// for verify by expectationId. Inactive ids are forgotten once they are twice max_expectations.
  std::optional<request_matcher> matcher_of(const std::string& id);

private:
  void drop_expired();
  std::string journal_json() const;

  const mock_limits limits_;
  std::mutex mtx_;
  std::vector<expectation> expectations_;
  std::deque<recorded_request> journal_;  ///< oldest first, at most limits_.max_log_entries
  std::map<std::string, request_matcher> matchers_by_id_;
  uint64_t next_sequence_ = 0;
  uint64_t next_id_ = 0;
};

}  // namespace commerce::mock
