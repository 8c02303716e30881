#include "health.hpp"

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <thread>

namespace integration_runner {
namespace {

struct curl_deleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* target) {
  auto* body = static_cast<std::string*>(target);
  const std::size_t bytes = size * count;
  if (body->size() + bytes > 1 << 20) return 0;  // a health answer is small; refuse a flood
  body->append(data, bytes);
  return bytes;
}

bool truthy(const rapidjson::Value& value) {
  if (value.IsBool()) return value.GetBool();
  if (value.IsNull()) return false;
  if (value.IsString()) return value.GetStringLength() > 0;
  if (value.IsNumber()) return value.GetDouble() != 0;
  if (value.IsObject()) return value.MemberCount() > 0;
  if (value.IsArray()) return !value.Empty();
  return false;
}

std::string health_url(const std::string& base_url) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/health/";
}

}  // namespace

health_answer check_health(const std::string& base_url, std::chrono::milliseconds request_timeout) {
  health_answer answer;
  std::unique_ptr<CURL, curl_deleter> curl(curl_easy_init());
  if (!curl) return {false, "libcurl could not start"};
  std::string body;
  const std::string url = health_url(base_url);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(request_timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) return {false, curl_easy_strerror(code)};
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  rapidjson::Document json;
  json.Parse(body.c_str(), body.size());
  std::string values;
  bool all_true = !json.HasParseError() && json.IsObject() && json.MemberCount() > 0;
  if (!json.HasParseError() && json.IsObject()) {
    for (const auto& member : json.GetObject()) {
      const bool ok = truthy(member.value);
      all_true = all_true && ok;
      if (!ok) values += std::string(values.empty() ? "" : ", ") + member.name.GetString() + " not true";
    }
  } else {
    values = "the body is not a JSON object";
  }
  answer.ready = status == 200 && all_true;
  answer.summary = "HTTP " + std::to_string(status) + (values.empty() ? "" : " (" + values + ")");
  return answer;
}

bool wait_for_health(const std::vector<health_target>& targets, std::chrono::seconds timeout,
                     std::chrono::milliseconds poll_interval, std::ostream& out) {
  out << "⏳ Waiting for services to be ready (up to " << timeout.count() << " s):\n";
  for (const auto& target : targets) out << "   " << target.label << ": GET " << health_url(target.base_url) << "\n";
  out.flush();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, health_answer> last;
  while (true) {
    bool all_ready = true;
    for (const auto& target : targets) {
      auto& previous = last[target.label];
      if (previous.ready) continue;
      const auto answer = check_health(target.base_url, std::chrono::milliseconds(5000));
      if (answer.summary != previous.summary)
        out << "   " << target.label << ": " << (answer.ready ? "ready" : "not ready: " + answer.summary) << "\n";
      previous = answer;
      all_ready = all_ready && answer.ready;
    }
    out.flush();
    if (all_ready) {
      out << "✅ All services are ready\n";
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      for (const auto& target : targets)
        if (!last[target.label].ready)
          out << "   still not ready: " << target.label << " (" << health_url(target.base_url)
              << "): " << last[target.label].summary << "\n";
      return false;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

}  // namespace integration_runner
