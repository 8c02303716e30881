// The data model of commerce-mock, our MockServer-compatible mock (GATEWAYS.md §1): request
// matchers, actions, expectations, parsed from MockServer's JSON and matched the way MockServer
// matches (subset maps, case-insensitive whole-value regexes, JSON ONLY_MATCHING_FIELDS/STRICT).
// Every regex is compiled once, when the expectation is parsed, and matched with PCRE2's limits;
// every JSON value is at most max_json_depth deep (mock_json.hpp).
#pragma once

#include "integrations/mock/mock_json.hpp"
#include "integrations/mock/mock_regex.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commerce::mock {

/// A malformed control request: the text goes back in a 400.
struct bad_request : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using multi_map = std::vector<std::pair<std::string, std::vector<std::string>>>;

/// One request as it arrived on the data plane.
struct recorded_request {
  std::string method;
  std::string path;
  multi_map query;
  multi_map headers;
  std::string body;
};

/// MockServer's string matching: equal, equal ignoring case, or a whole-value regex
/// (case-insensitive); `not` inverts. A blank matcher matches anything. A value that is not a
/// valid regex only matches literally, as in MockServer.
struct string_matcher {
  explicit string_matcher(std::string value = {}, bool negate = false);  ///< compiles `value` as a regex once
  std::string value;
  bool negate = false;
  std::optional<compiled_regex> regex;  ///< `value` compiled; nullopt when it is not a regex
  bool matches(const std::string& actual) const;
};

/// The ${json-unit.regex} patterns of a JSON matcher, compiled when it is parsed.
using json_unit_regexes = std::map<std::string, compiled_regex, std::less<>>;

struct body_matcher {
  enum class kind { any, exact, substring, regex, json_subset, json_strict };
  kind type = kind::any;
  std::string text;                             ///< exact/substring/regex
  std::optional<compiled_regex> regex;          ///< regex: `text` compiled
  std::shared_ptr<rapidjson::Document> json;    ///< json_*
  json_unit_regexes json_regexes;               ///< json_*
  /// A JSON matcher does not match a body that is not JSON or nests deeper than max_json_depth.
  bool matches(const std::string& actual) const;
};

struct request_matcher {
  std::optional<string_matcher> method;
  std::optional<string_matcher> path;
  std::vector<std::pair<string_matcher, std::vector<string_matcher>>> query;
  std::vector<std::pair<string_matcher, std::vector<string_matcher>>> headers;
  body_matcher body;
  bool matches(const recorded_request& r) const;
};

struct response_action {
  int status = 200;
  multi_map headers;
  std::string body;
  bool json_body = false;    ///< adds Content-Type: application/json when none was given
  std::string content_type;  ///< a typed body's own contentType, used when no header gives one
  std::chrono::milliseconds delay{0};
};

struct error_action {
  bool drop_connection = true;
  std::chrono::milliseconds delay{0};
};

struct expectation {
  std::string id;
  int priority = 0;
  uint64_t sequence = 0;  ///< creation order, for ties
  request_matcher request;
  std::optional<response_action> response;
  std::optional<error_action> error;
  std::optional<int64_t> remaining;  ///< nullopt: unlimited
  std::optional<std::chrono::steady_clock::time_point> expires_at;
  /// timeToLive as given (unit, amount), rendered back as MockServer does; nullopt: unlimited.
  std::optional<std::pair<std::string, int64_t>> time_to_live;
  std::string json;  ///< as submitted, id filled in (render_expectation normalises it)
};

/// Untrusted JSON text (a control request, a stubs file) as a document; throws bad_request when it
/// is not JSON or nests deeper than max_json_depth. `what` names it in the message.
rapidjson::Document parse_json(std::string_view text, const std::string& what);

/// An httpRequest object (also verify's, retrieve's and clear's filters); throws bad_request.
request_matcher parse_request_matcher(const rapidjson::Value& v);
/// One Expectation object; throws bad_request naming the problem (a response header, reason
/// phrase or content type with CR or LF, an invalid REGEX body or ${json-unit.regex}, too deep).
expectation parse_expectation(const rapidjson::Value& v);
/// One Expectation object or an array of them (PUT /mockserver/expectation, --stubs).
std::vector<expectation> parse_expectations(const rapidjson::Value& v);
/// JSON ONLY_MATCHING_FIELDS: every expected field present and matching, arrays in any order
/// with extra items allowed. Both comparisons recurse along `expected` and answer false past
/// max_json_depth, so they stay bounded on any document.
bool json_subset(const rapidjson::Value& expected, const rapidjson::Value& actual);
/// JSON STRICT: the same structure, arrays in order. Both honour JsonUnit's placeholders
/// ${json-unit.any-string|any-number|any-boolean|ignore|ignore-element} and ${json-unit.regex}<re>.
bool json_strict(const rapidjson::Value& expected, const rapidjson::Value& actual);
/// The request as MockServer's retrieve renders it; a JSON body deeper than max_json_depth is
/// rendered as text.
void write_request(rapidjson::Writer<rapidjson::StringBuffer>& w, const recorded_request& r);

/// The headers a response is sent with: its own, plus the Content-Type its body implies when it
/// gives none (Content-Length is left to the HTTP layer).
multi_map effective_headers(const response_action& r);
/// The reason phrase of an HTTP status, as Netty (MockServer) names it; "" when unknown.
std::string reason_phrase(int status);
/// The response as MockServer renders one in retrieve: statusCode, reasonPhrase, headers, body
/// (a JSON body as JSON).
void write_response(rapidjson::Writer<rapidjson::StringBuffer>& w, const response_action& r);
/// The expectation as MockServer renders it (201 answer, ACTIVE_EXPECTATIONS): id, priority, the
/// request matcher and action as submitted, times {remainingTimes: left | unlimited: true},
/// timeToLive {timeUnit, timeToLive | unlimited: true}.
std::string render_expectation(const expectation& e);

/// Compact JSON text. RapidJSON's writer recurses: only for values at most max_json_depth deep.
std::string to_json(const rapidjson::Value& v);

}  // namespace commerce::mock
