#include "tests/http/support/http_client.hpp"
#include "tests/http/support/openapi_contract.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

namespace http_test {

bool ci_less::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string response::error_code() const {
  if (!is_json || !json.IsObject())
    return "";
  auto e = json.FindMember("error");
  if (e == json.MemberEnd() || !e->value.IsObject())
    return "";
  auto c = e->value.FindMember("code");
  return c != e->value.MemberEnd() && c->value.IsString() ? c->value.GetString() : "";
}

bool response::has_field_error(const std::string& name) const {
  if (!is_json || !json.IsObject())
    return false;
  auto e = json.FindMember("error");
  if (e == json.MemberEnd() || !e->value.IsObject())
    return false;
  auto f = e->value.FindMember("fields");
  return f != e->value.MemberEnd() && f->value.IsObject() && f->value.HasMember(name.c_str());
}

std::string response::str(const char* name) const {
  if (!is_json || !json.IsObject())
    return "";
  auto m = json.FindMember(name);
  return m != json.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
}

std::string response::describe() const {
  std::string out = "HTTP " + std::to_string(status);
  if (!transport_error.empty())
    out += " (transport error: " + transport_error + ")";
  constexpr size_t limit = 1500;
  out += " body: " + (body.size() > limit ? body.substr(0, limit) + "...[" + std::to_string(body.size()) + " bytes]"
                                          : body);
  return out;
}

void client::curl_deleter::operator()(void* handle) const { curl_easy_cleanup(static_cast<CURL*>(handle)); }

client::client(std::string base_url) : base_url_(std::move(base_url)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_.reset(curl_easy_init());
  if (!handle_)
    throw std::runtime_error("curl_easy_init failed");
}

client::~client() = default;

namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<header_map*>(user);
  std::string line{data, size * n};
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (e.g. after 100 Continue): start over
    headers->clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return size * n;
  auto name = line.substr(0, colon);
  auto value = line.substr(colon + 1);
  auto b = value.find_first_not_of(" \t");
  auto e = value.find_last_not_of(" \t\r\n");
  value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  auto [it, inserted] = headers->emplace(name, value);
  if (!inserted)
    it->second += ", " + value;
  return size * n;
}

struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

response client::request(const std::string& method, const std::string& path, const std::optional<std::string>& body,
                         const request_options& opts) {
  CURL* h = static_cast<CURL*>(handle_.get());
  curl_easy_reset(h);
  response res;
  res.request = method + " " + path;
  std::string url = base_url_ + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &res.headers);

  std::unique_ptr<curl_slist, slist_deleter> list;
  auto add = [&](const std::string& line) { list.reset(curl_slist_append(list.release(), line.c_str())); };
  add("Expect:");
  if (!opts.bearer.empty())
    add("Authorization: Bearer " + opts.bearer);
  std::string content_type = opts.content_type.value_or(body ? "application/json" : "");
  add(content_type.empty() ? "Content-Type:" : "Content-Type: " + content_type);
  for (const auto& line : opts.headers)
    add(line);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());

  if (method == "GET" && !body) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (body || method == "POST" || method == "PUT" || method == "PATCH") {
      // libcurl keeps the pointer until the transfer ends: `body` outlives it, the literal too.
      const char* data = body ? body->data() : "";
      curl_off_t size = body ? static_cast<curl_off_t>(body->size()) : 0;
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, size);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
    }
    if (method != "POST")
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    res.transport_error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  }
  if (!res.body.empty()) {
    res.json.Parse(res.body.data(), res.body.size());
    res.is_json = !res.json.HasParseError();
    if (!res.is_json)
      res.json.SetNull();
  }
  res.contract_violation = openapi_violation(method, path, res.status, res.is_json, res.json);
  transcript_.push_back(res.body);
  return res;
}

namespace {
request_options with_bearer(const std::string& bearer) {
  request_options o;
  o.bearer = bearer;
  return o;
}
}  // namespace

response client::get(const std::string& path, const std::string& bearer) {
  return request("GET", path, std::nullopt, with_bearer(bearer));
}
response client::post(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("POST", path, body, with_bearer(bearer));
}
response client::put(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("PUT", path, body, with_bearer(bearer));
}
response client::patch(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("PATCH", path, body, with_bearer(bearer));
}
response client::del(const std::string& path, const std::string& bearer) {
  return request("DELETE", path, std::nullopt, with_bearer(bearer));
}

response post_with_key(client& c, const std::string& path, const std::string& body, const std::string& bearer,
                       const std::string& key) {
  request_options o;
  o.bearer = bearer;
  o.headers.push_back("Idempotency-Key: " + key);
  return c.request("POST", path, body, o);
}

}  // namespace http_test
