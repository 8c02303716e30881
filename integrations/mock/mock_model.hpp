// The data model of commerce-mock, our MockServer-compatible mock (GATEWAYS.md §1): request
// matchers, actions, expectations, parsed from MockServer's JSON and matched the way MockServer
// matches (subset maps, case-insensitive whole-value regexes, JSON ONLY_MATCHING_FIELDS/STRICT).
#pragma once

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
/// (case-insensitive); `not` inverts. A blank matcher matches anything.
struct string_matcher {
  std::string value;
  bool negate = false;
  bool matches(const std::string& actual) const;
};

struct body_matcher {
  enum class kind { any, exact, substring, regex, json_subset, json_strict };
  kind type = kind::any;
  std::string text;                             ///< exact/substring/regex
  std::shared_ptr<rapidjson::Document> json;    ///< json_*
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
  std::string json;  ///< as submitted, id filled in (what retrieve/201 return)
};

request_matcher parse_request_matcher(const rapidjson::Value& v);
/// One Expectation object; throws bad_request naming the problem.
expectation parse_expectation(const rapidjson::Value& v);
/// One Expectation object or an array of them (PUT /mockserver/expectation, --stubs).
std::vector<expectation> parse_expectations(const rapidjson::Value& v);
/// JSON ONLY_MATCHING_FIELDS: every expected field present and matching, arrays in any order
/// with extra items allowed.
bool json_subset(const rapidjson::Value& expected, const rapidjson::Value& actual);
/// JSON STRICT: the same structure, arrays in order. Both honour JsonUnit's placeholders
/// ${json-unit.any-string|any-number|any-boolean|ignore|ignore-element} and ${json-unit.regex}<re>.
bool json_strict(const rapidjson::Value& expected, const rapidjson::Value& actual);
/// The request as MockServer's retrieve renders it.
void write_request(rapidjson::Writer<rapidjson::StringBuffer>& w, const recorded_request& r);

std::string to_json(const rapidjson::Value& v);

}  // namespace commerce::mock
