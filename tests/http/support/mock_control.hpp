// Test support: commerce-mock, a MockServer-compatible stand-in for a gateway (GATEWAYS.md §1):
// starting one, installing expectations, verifying and reading the requests it recorded.
#pragma once

#include "tests/http/support/http_client.hpp"
#include "tests/http/support/process.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace http_test {

/// $COMMERCE_MOCK (CTest sets it); throws with a hint when unset or not executable.
std::string mock_binary_path();

/// A commerce-mock child on 127.0.0.1 and a port from free_port(), ready once PUT
/// /mockserver/status answers 200 (another port is tried if it dies early). The destructor stops
/// it: SIGTERM, up to 5 s, then SIGKILL. The control-plane helpers open a connection per call.
class gateway_mock {
public:
  explicit gateway_mock(std::vector<std::string> extra_args = {});
  gateway_mock(const gateway_mock&) = delete;
  gateway_mock& operator=(const gateway_mock&) = delete;
  ~gateway_mock();

  const std::string& base_url() const { return base_url_; }
  int port() const { return port_; }
  std::string log() const;
  bool running();
  /// SIGTERM, up to 5 s, SIGKILL; returns the wait status.
  int stop();

  /// PUT /mockserver/reset (expectations and the request journal); throws unless 200.
  void reset();
  /// PUT /mockserver/expectation with one expectation or an array; throws unless 201.
  void expect(const std::string& expectation_json);
  /// PUT /mockserver/verify with the body as given: 202 if matched, 406 (with the reason) if not.
  response verify(const std::string& verification_json);
  /// verify() of `{"httpRequest":<http_request_json>,"times":{"atLeast":..,"atMost":..}}`; a
  /// negative bound is left out (unbounded).
  response verify_times(const std::string& http_request_json, int at_least, int at_most);
  /// PUT /mockserver/retrieve?type=requests with an optional request matcher: the recorded
  /// requests, oldest first (a JSON array); throws unless 200 with an array.
  rapidjson::Document recorded_requests(const std::string& matcher_json = "");

private:
  bool launch(int port, std::string& error);

  std::vector<std::string> args_;
  std::string dir_, log_path_, base_url_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

/// Runs commerce-mock with `args` until it exits on its own (start-up failures); kills it after
/// `limit`. Its output is in out (stdout) and err (stderr).
run_result run_mock_to_exit(const std::vector<std::string>& args,
                            std::chrono::milliseconds limit = std::chrono::seconds(5));

/// A recorded request's body as JSON, in either of MockServer's shapes (the plain value or
/// {"type":"JSON","json":...}, GATEWAYS.md §1.5); null when there is none or it is not JSON.
rapidjson::Document mock_request_body(const rapidjson::Value& recorded);
/// The values of header `name` (any case) of a recorded request, in both header-map forms.
std::vector<std::string> mock_request_header(const rapidjson::Value& recorded, const std::string& name);

/// The raw text of a recorded request's body: a plain string (how commerce-mock records a form
/// or text body), {"type":"STRING","string":...}, or a JSON body written back out as text.
std::string mock_request_text(const rapidjson::Value& recorded);
/// The first value of header `name` of a recorded request, or "<none>".
std::string mock_first_header(const rapidjson::Value& recorded, const std::string& name);
/// The fields of an application/x-www-form-urlencoded body, decoded ('+' is a space). A repeated
/// name keeps its last value.
std::map<std::string, std::string> form_fields(const std::string& body);

/// How mock_answer() answers, beyond status and body.
struct answer_options {
  bool json_content_type = false;  ///< send the header Content-Type: application/json
  int delay_ms = 0;                ///< > 0: answer after this delay
  int times = 0;                   ///< > 0: match only this often (earlier expectations match first)
  std::string query_json;          ///< non-empty: also match these queryStringParameters ({"name":["value"]})
};
/// An expectation answering `method path` (path is a MockServer regex) with `status` and
/// `body_text` as the body, sent as a JSON string exactly as written (the document's mocks send
/// Python json.dumps() text that way).
std::string mock_answer(const std::string& method, const std::string& path, int status, const std::string& body_text,
                        const answer_options& options = {});
/// mock_answer() with the header Content-Type: application/json.
std::string json_expectation(const std::string& method, const std::string& path, int status,
                             const std::string& body_text);

}  // namespace http_test
