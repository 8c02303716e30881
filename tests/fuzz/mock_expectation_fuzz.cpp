// commerce-mock's control plane and matcher: an expectation parsed from JSON (as PUT
// /mockserver/expectation takes it), then a request matched against it and rendered as retrieve
// does (the request, the expectation and its response). Input: "<expectation JSON>\0<METHOD> <path>\n<header>: <value>\n...\n\n<body>".
// Kept to the public functions of mock_model.hpp.
#include "integrations/mock/mock_model.hpp"
#include "integrations/untrusted_json.hpp"

#include <cstdint>
#include <string>

using namespace commerce;

namespace {

mock::recorded_request request_of(const std::string& text) {
  mock::recorded_request r;
  auto head_end = text.find("\n\n");
  auto head = text.substr(0, head_end);
  r.body = head_end == std::string::npos ? std::string{} : text.substr(head_end + 2);
  auto line_end = head.find('\n');
  auto request_line = head.substr(0, line_end);
  auto space = request_line.find(' ');
  r.method = request_line.substr(0, space);
  auto target = space == std::string::npos ? std::string{"/"} : request_line.substr(space + 1);
  auto question = target.find('?');
  r.path = target.substr(0, question);
  if (question != std::string::npos) {
    auto query = target.substr(question + 1);
    auto eq = query.find('=');
    r.query.push_back({query.substr(0, eq), {eq == std::string::npos ? "" : query.substr(eq + 1)}});
  }
  while (line_end != std::string::npos) {
    auto next = head.find('\n', line_end + 1);
    auto line = head.substr(line_end + 1, next == std::string::npos ? std::string::npos : next - line_end - 1);
    auto colon = line.find(':');
    if (colon != std::string::npos)
      r.headers.push_back({line.substr(0, colon), {line.substr(colon + 1)}});
    line_end = next;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text{reinterpret_cast<const char*>(data), size};
  auto split = text.find('\0');
  rapidjson::Document expectation_json;
  if (!integrations::parse_untrusted_json(text.substr(0, split), expectation_json).ok())
    return 0;
  try {
    for (const auto& e : mock::parse_expectations(expectation_json)) {
      auto request = request_of(split == std::string::npos ? std::string{} : text.substr(split + 1));
      e.request.matches(request);
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w{buf};
      mock::write_request(w, request);
      mock::render_expectation(e);  // the 201 answer and ACTIVE_EXPECTATIONS
      if (e.response) {  // REQUEST_RESPONSES and RECORDED_EXPECTATIONS (a JSON text is one root value)
        rapidjson::StringBuffer response_buf;
        rapidjson::Writer<rapidjson::StringBuffer> response_writer{response_buf};
        mock::write_response(response_writer, *e.response);
      }
    }
  } catch (const mock::bad_request&) {
    // a 400 to the client
  }
  return 0;
}
