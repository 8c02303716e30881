#include "tests/http/support/mock_control.hpp"

#include "tests/http/support/json_body.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace http_test {

std::string mock_binary_path() {
  const char* v = std::getenv("COMMERCE_MOCK");
  if (!v || !*v)
    throw std::runtime_error(
      "COMMERCE_MOCK is not set: these tests need the commerce-mock binary; run through scripts/test "
      "(CTest sets it) or export COMMERCE_MOCK=/work/main/build/commerce-mock");
  if (access(v, X_OK) != 0)
    throw std::runtime_error(std::string{"COMMERCE_MOCK="} + v + " is not an executable file");
  return v;
}

gateway_mock::gateway_mock(std::vector<std::string> extra_args) : args_(std::move(extra_args)) {
  mock_binary_path();  // fail before making the directory
  dir_ = make_temp_dir("http-tests-mock");
  log_path_ = dir_ + "/mock.log";
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt)
    if (launch(free_port(), last_error))
      return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  throw std::runtime_error("commerce-mock did not start: " + last_error);
}

gateway_mock::~gateway_mock() {
  stop();
  if (!std::getenv("HTTP_TESTS_KEEP_LOGS")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string gateway_mock::log() const { return read_file(log_path_); }

bool gateway_mock::running() { return process_ && process_->running(); }

int gateway_mock::stop() { return process_ ? process_->stop() : 0; }

bool gateway_mock::launch(int port, std::string& error) {
  std::vector<std::string> args{"--port", std::to_string(port), "--host", "127.0.0.1"};
  args.insert(args.end(), args_.begin(), args_.end());
  process_ = std::make_unique<child_process>(mock_binary_path(), args, inherited_environment(), log_path_);
  port_ = port;
  base_url_ = "http://127.0.0.1:" + std::to_string(port);
  client probe{base_url_};
  request_options quick;
  quick.timeout_ms = 1000;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      error = "it ended with " + describe_wait_status(process_->wait_status()) + " on port " + std::to_string(port) +
              "; log:\n" + tail_lines(log(), 20);
      return false;  // e.g. the port was taken meanwhile: the caller tries another
    }
    if (probe.request("PUT", "/mockserver/status", std::nullopt, quick).status == 200)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  stop();
  error = "PUT /mockserver/status did not answer 200 within 10 s; log:\n" + tail_lines(log(), 20);
  return false;
}

run_result run_mock_to_exit(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  return run_to_exit(mock_binary_path(), args, inherited_environment(), limit);
}

void gateway_mock::reset() {
  client c{base_url_};
  auto r = c.put("/mockserver/reset", "");
  if (r.status != 200)
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/reset -> " + r.describe());
}

void gateway_mock::expect(const std::string& expectation_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/expectation", expectation_json);
  if (r.status != 201)
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/expectation " + expectation_json + " -> " +
                             r.describe());
}

response gateway_mock::verify(const std::string& verification_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/verify", verification_json);
  r.request = "PUT " + base_url_ + "/mockserver/verify " + verification_json;
  return r;
}

response gateway_mock::verify_times(const std::string& http_request_json, int at_least, int at_most) {
  std::string times;
  if (at_least >= 0)
    times += "\"atLeast\":" + std::to_string(at_least);
  if (at_most >= 0)
    times += std::string{times.empty() ? "" : ","} + "\"atMost\":" + std::to_string(at_most);
  return verify("{\"httpRequest\":" + http_request_json + ",\"times\":{" + times + "}}");
}

rapidjson::Document gateway_mock::recorded_requests(const std::string& matcher_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/retrieve?type=requests", matcher_json);
  if (r.status != 200 || !r.is_json || !r.json.IsArray())
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/retrieve?type=requests " + matcher_json + " -> " +
                             r.describe());
  rapidjson::Document out;
  out.CopyFrom(r.json, out.GetAllocator());
  return out;
}

rapidjson::Document mock_request_body(const rapidjson::Value& recorded) {
  rapidjson::Document out;
  if (!recorded.IsObject())
    return out;
  auto body = recorded.FindMember("body");
  if (body == recorded.MemberEnd())
    return out;
  const auto& b = body->value;
  if (b.IsObject() && b.HasMember("type") && b["type"].IsString()) {
    std::string type = b["type"].GetString();
    auto inner = b.FindMember(type == "JSON" ? "json" : "string");
    if (inner == b.MemberEnd())
      return out;
    if (inner->value.IsString()) {
      out.Parse(inner->value.GetString(), inner->value.GetStringLength());
      if (out.HasParseError())
        out.SetNull();
    } else {
      out.CopyFrom(inner->value, out.GetAllocator());
    }
    return out;
  }
  if (b.IsString()) {  // a body recorded as text: JSON if it parses
    out.Parse(b.GetString(), b.GetStringLength());
    if (out.HasParseError())
      out.SetNull();
    return out;
  }
  out.CopyFrom(b, out.GetAllocator());
  return out;
}

std::vector<std::string> mock_request_header(const rapidjson::Value& recorded, const std::string& name) {
  std::vector<std::string> out;
  if (!recorded.IsObject())
    return out;
  auto m = recorded.FindMember("headers");
  if (m == recorded.MemberEnd())
    return out;
  auto same = [&](const char* s) { return !ci_less{}(s, name) && !ci_less{}(name, s); };
  auto add = [&](const rapidjson::Value& values) {
    if (values.IsArray()) {
      for (const auto& v : values.GetArray())
        if (v.IsString())
          out.emplace_back(v.GetString());
    } else if (values.IsString()) {
      out.emplace_back(values.GetString());
    }
  };
  if (m->value.IsObject()) {  // {"Name":["v"]}
    for (auto it = m->value.MemberBegin(); it != m->value.MemberEnd(); ++it)
      if (same(it->name.GetString()))
        add(it->value);
  } else if (m->value.IsArray()) {  // [{"name":"Name","values":["v"]}]
    for (const auto& e : m->value.GetArray())
      if (e.IsObject() && e.HasMember("name") && e["name"].IsString() && same(e["name"].GetString()) &&
          e.HasMember("values"))
        add(e["values"]);
  }
  return out;
}

std::string mock_request_text(const rapidjson::Value& recorded) {
  if (!recorded.IsObject() || !recorded.HasMember("body"))
    return "";
  const auto& b = recorded["body"];
  if (b.IsString())
    return b.GetString();
  if (b.IsObject() && b.HasMember("string") && b["string"].IsString())
    return b["string"].GetString();
  rapidjson::StringBuffer buf;  // a JSON body, recorded as JSON
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  b.Accept(w);
  return buf.GetString();
}

std::string mock_first_header(const rapidjson::Value& recorded, const std::string& name) {
  auto values = mock_request_header(recorded, name);
  return values.empty() ? "<none>" : values[0];
}

std::map<std::string, std::string> form_fields(const std::string& body) {
  auto decode = [](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    if (end == std::string::npos)
      end = body.size();
    auto pair = body.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      fields[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return fields;
}

std::string mock_answer(const std::string& method, const std::string& path, int status, const std::string& body_text,
                        const answer_options& options) {
  json_object request{{"method", method}, {"path", path}};
  if (!options.query_json.empty())
    request.add("queryStringParameters", json_raw(options.query_json));
  json_object answer{{"statusCode", status}, {"body", body_text}};
  if (options.json_content_type)
    answer.add("headers", json_object{{"Content-Type", json_array{"application/json"}}});
  if (options.delay_ms > 0)
    answer.add("delay", json_object{{"timeUnit", "MILLISECONDS"}, {"value", options.delay_ms}});
  json_object expectation{{"httpRequest", request}, {"httpResponse", answer}};
  if (options.times > 0)
    expectation.add("times", json_object{{"remainingTimes", options.times}});
  return expectation;
}

std::string json_expectation(const std::string& method, const std::string& path, int status,
                             const std::string& body_text) {
  answer_options options;
  options.json_content_type = true;
  return mock_answer(method, path, status, body_text, options);
}

}  // namespace http_test
