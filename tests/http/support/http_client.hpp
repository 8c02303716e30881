// Test support: a libcurl HTTP client for the server under test, its responses, and status
// checks that print the request and the whole response on failure.
#pragma once

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace http_test {

/// A case-insensitive header map; a repeated header's values are joined with ", ".
struct ci_less {
  bool operator()(const std::string& a, const std::string& b) const;
};
using header_map = std::map<std::string, std::string, ci_less>;

struct response {
  std::string request;         ///< "METHOD /path", for messages
  long status = 0;             ///< 0: no HTTP answer (see transport_error)
  std::string transport_error;
  header_map headers;
  std::string body;
  rapidjson::Document json;    ///< parsed body; json.IsNull() if it was not JSON
  bool is_json = false;
  /// Empty, or how the response breaks docs/openapi.json (support/openapi_contract.hpp); the
  /// status checks below fail on it.
  std::string contract_violation;

  response() = default;
  response(response&&) = default;
  response& operator=(response&&) = default;

  std::string header(const std::string& name) const;  ///< "" when absent
  bool has_header(const std::string& name) const { return headers.count(name) != 0; }

  /// error.code of an error body, or "" when the body has none.
  std::string error_code() const;
  /// True when error.fields has `name`.
  bool has_field_error(const std::string& name) const;
  /// Top-level string member, or "" (e.g. str("access")).
  std::string str(const char* name) const;
  /// For assertion messages: "<status> <body>" (truncated).
  std::string describe() const;
};

struct request_options {
  std::string bearer;                        ///< adds "Authorization: Bearer <bearer>"
  std::optional<std::string> content_type;   ///< default: application/json when a body is sent
  std::vector<std::string> headers;          ///< extra raw "Name: value" lines
  long timeout_ms = 20000;
};

/// One libcurl easy handle (keep-alive across requests). Not thread-safe: one per thread.
/// Every response body is also kept in transcript() so tests can scan all of them.
class client {
public:
  explicit client(std::string base_url);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  response request(const std::string& method, const std::string& path, const std::optional<std::string>& body,
                   const request_options& opts = {});

  response get(const std::string& path, const std::string& bearer = "");
  response post(const std::string& path, const std::string& body, const std::string& bearer = "");
  response put(const std::string& path, const std::string& body, const std::string& bearer = "");
  response patch(const std::string& path, const std::string& body, const std::string& bearer = "");
  response del(const std::string& path, const std::string& bearer = "");

  const std::vector<std::string>& transcript() const { return transcript_; }
  const std::string& base_url() const { return base_url_; }

private:
  struct curl_deleter {
    void operator()(void* handle) const;
  };
  std::string base_url_;
  std::unique_ptr<void, curl_deleter> handle_;
  std::vector<std::string> transcript_;
};

/// POST with an Idempotency-Key header.
response post_with_key(client& c, const std::string& path, const std::string& body, const std::string& bearer,
                       const std::string& key);

}  // namespace http_test

/// Status checks that print the request and the whole response on failure. Each evaluates its
/// response argument exactly once, so `CHECK_STATUS(c.get(...), 200)` sends one request.
#define HTTP_TEST_EXPECT(tool, r, condition, what)                                                   \
  do {                                                                                               \
    const ::http_test::response& x_ = (r);                                                           \
    tool((condition), x_.request << " -> " << x_.describe() << " (expected " << what << ")");        \
  } while (false)

#define CHECK_STATUS(r, expected)                                                                        \
  HTTP_TEST_EXPECT(BOOST_TEST, r, x_.status == (expected) && x_.contract_violation.empty(),               \
                   "HTTP " << (expected) << " as docs/openapi.json says; " << x_.contract_violation)
#define REQUIRE_STATUS(r, expected)                                                                      \
  HTTP_TEST_EXPECT(BOOST_TEST_REQUIRE, r, x_.status == (expected) && x_.contract_violation.empty(),       \
                   "HTTP " << (expected) << " as docs/openapi.json says; " << x_.contract_violation)
/// Status and error.code of an error body.
#define CHECK_ERROR(r, expected_status, expected_code)                                             \
  HTTP_TEST_EXPECT(BOOST_TEST, r,                                                                  \
                   x_.status == (expected_status) && x_.error_code() == (expected_code) &&              \
                     x_.contract_violation.empty(),                                                     \
                   "HTTP " << (expected_status) << " with code " << (expected_code) << " "              \
                           << x_.contract_violation)
/// A validation error (400) that names `field` in error.fields.
#define CHECK_FIELD_ERROR(r, field)                                                                              \
  HTTP_TEST_EXPECT(BOOST_TEST, r,                                                                               \
                   x_.status == 400 && x_.error_code() == "validation_error" && x_.has_field_error(field),      \
                   "400 validation_error naming " << (field))
