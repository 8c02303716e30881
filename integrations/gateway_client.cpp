#include "integrations/gateway_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

namespace commerce::integrations {

namespace {

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

/// No provider's answer comes near this; a larger one is a broken or hostile peer, and is cut off
/// rather than buffered (the call then fails as a protocol error: unknown if the request was sent).
constexpr std::size_t max_answer_bytes = std::size_t{1} << 20;

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto& body = *static_cast<std::string*>(out);
  if (body.size() + size * n > max_answer_bytes)
    return 0;  // libcurl stops the transfer with CURLE_WRITE_ERROR
  body.append(data, size * n);
  return size * n;
}

std::string path_of(const std::string& url) {
  auto scheme = url.find("://");
  auto start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos)
    return "/";
  return url.substr(start, url.find('?', start) - start);
}

/// scheme://host[:port] of a URL: a breaker guards one remote service.
std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string::npos ? 0 : scheme + 3;
  return url.substr(0, url.find('/', start));
}

bool worth_retrying(const outbound_response& r) {
  // Connection trouble, timeouts, 5xx and 429 may pass; 4xx will not.
  return r.failure == outbound_failure::connect || r.failure == outbound_failure::timeout ||
         r.failure == outbound_failure::protocol || r.status >= 500 || r.status == 429;
}

}  // namespace

void init_http_clients() {
  static const bool done = [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("libcurl failed to initialise");
    return true;
  }();
  (void)done;
}

bool circuit_breaker::allow(std::chrono::steady_clock::time_point now) {
  if (!open_)
    return true;
  if (now - opened_at_ >= open_for_ && !trial_in_flight_) {
    trial_in_flight_ = true;  // half-open: one call may test the water
    return true;
  }
  return false;
}

void circuit_breaker::record(bool success, std::chrono::steady_clock::time_point now) {
  trial_in_flight_ = false;
  if (success) {
    failures_ = 0;
    open_ = false;
    return;
  }
  if (++failures_ >= threshold_ || open_) {
    open_ = true;
    opened_at_ = now;
  }
}

void circuit_breaker::trip(std::chrono::steady_clock::time_point now) {
  open_ = true;
  opened_at_ = now;
  failures_ = std::max(failures_, threshold_);
  trial_in_flight_ = false;
}

void circuit_breaker::reset() {
  open_ = false;
  failures_ = 0;
  trial_in_flight_ = false;
}

size_t gateway_client::force_breakers(const std::string& provider, bool open) {
  std::lock_guard<std::mutex> guard{mtx_};
  size_t n = 0;
  auto now = std::chrono::steady_clock::now();
  for (auto& [key, breaker] : breakers_) {
    if (key.rfind(provider + "@", 0) != 0)
      continue;
    if (open)
      breaker.trip(now);
    else
      breaker.reset();
    ++n;
  }
  return n;
}

void gateway_client::count_call(const std::string& provider, const outbound_response& out) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& w = call_windows_[provider];
  ++w.calls;
  if (w.latencies_ms.size() < gateway_call_stats::latency_window)
    w.latencies_ms.push_back(out.latency.count());
  else
    w.latencies_ms[w.next] = out.latency.count();
  w.next = (w.next + 1) % gateway_call_stats::latency_window;
  if (out.failure != outbound_failure::none || out.status >= 500) {
    ++w.errors;
    w.last_error = out.failure != outbound_failure::none ? out.error : "HTTP " + std::to_string(out.status);
    w.last_error_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
}

gateway_call_stats gateway_client::call_stats(const std::string& provider) {
  std::vector<int64_t> sorted;
  gateway_call_stats out;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = call_windows_.find(provider);
    if (it == call_windows_.end())
      return out;
    out.calls = it->second.calls;
    out.errors = it->second.errors;
    out.last_error = it->second.last_error;
    out.last_error_at_ms = it->second.last_error_at_ms;
    sorted = it->second.latencies_ms;
  }
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentiles over the window.
  auto rank = [&](double q) {
    auto i = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, i == 0 ? 0 : i - 1)];
  };
  if (!sorted.empty()) {
    out.p50_ms = rank(0.50);
    out.p90_ms = rank(0.90);
    out.p99_ms = rank(0.99);
  }
  return out;
}

/// libcurl handles keep their connections (and TLS sessions) open between transfers, so calls
/// to the same provider skip the TCP and TLS handshakes; a handle serves one call at a time.
struct gateway_client::handle_pool {
  static constexpr size_t max_idle = 32;
  std::mutex mtx;
  std::vector<std::unique_ptr<CURL, easy_deleter>> idle;

  std::unique_ptr<CURL, easy_deleter> take() {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (!idle.empty()) {
        auto handle = std::move(idle.back());
        idle.pop_back();
        curl_easy_reset(handle.get());  // options cleared; open connections kept
        return handle;
      }
    }
    return std::unique_ptr<CURL, easy_deleter>{curl_easy_init()};
  }
  void give_back(std::unique_ptr<CURL, easy_deleter> handle) {
    std::lock_guard<std::mutex> guard{mtx};
    if (handle && idle.size() < max_idle)
      idle.push_back(std::move(handle));
  }
};

gateway_client::gateway_client(client_settings settings, recorder record)
  : settings_(settings), handles_(std::make_unique<handle_pool>()), record_(std::move(record)) {
  init_http_clients();
}

gateway_client::~gateway_client() = default;

namespace {

struct upload_cursor {
  const std::string* text;
  size_t offset = 0;
};

size_t feed(char* buffer, size_t size, size_t n, void* user) {
  auto* cursor = static_cast<upload_cursor*>(user);
  size_t left = cursor->text->size() - cursor->offset;
  size_t chunk = std::min(left, size * n);
  std::memcpy(buffer, cursor->text->data() + cursor->offset, chunk);
  cursor->offset += chunk;
  return chunk;
}

}  // namespace

outbound_response gateway_client::send_mail(const smtp_request& request) {
  auto started = std::chrono::steady_clock::now();
  auto key = request.provider + "@" + origin_of(request.url);
  outbound_response out;
  out.attempts = 1;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& breaker = breakers_.try_emplace(key, settings_.breaker_failures, settings_.breaker_open_for).first->second;
    if (!breaker.allow(started)) {
      out.failure = outbound_failure::breaker_open;
      out.error = "circuit breaker open for " + key;
      return out;
    }
  }
  std::unique_ptr<CURL, easy_deleter> curl{curl_easy_init()};
  std::unique_ptr<curl_slist, slist_deleter> recipients{curl_slist_append(nullptr, ("<" + request.to + ">").c_str())};
  auto from = "<" + request.from + ">";
  upload_cursor cursor{&request.message};
  auto* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &feed);
  curl_easy_setopt(c, CURLOPT_READDATA, &cursor);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  // STARTTLS: required when asked (credentials never cross in clear), else used when offered.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(request.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!request.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
  }
  auto rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    out.status = 250;
  } else {
    out.error = curl_easy_strerror(rc);
    out.failure = rc == CURLE_OPERATION_TIMEDOUT                                   ? outbound_failure::timeout
                  : rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ? outbound_failure::connect
                                                                                    : outbound_failure::protocol;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);  // the SMTP reply code, when there was one
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    breakers_.at(key).record(out.failure == outbound_failure::none || out.failure == outbound_failure::protocol,
                             std::chrono::steady_clock::now());
  }
  out.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  count_call(request.provider, out);
  if (record_)
    record_(call_record{request.provider, "send_email", "SMTP", origin_of(request.url), out.status, out.failure, 1,
                        out.latency});
  return out;
}

std::vector<breaker_report> gateway_client::breakers(const std::string& provider) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<breaker_report> out;
  for (const auto& [key, breaker] : breakers_) {
    if (key.rfind(provider + "@", 0) != 0)
      continue;
    auto origin = key.substr(provider.size() + 1);
    auto scheme = origin.find("://");
    auto at = origin.find('@');
    if (scheme != std::string::npos && at != std::string::npos)
      origin.erase(scheme + 3, at - scheme - 2);  // user:password@ never leaves
    out.push_back({origin, breaker.open(), breaker.failures()});
  }
  return out;
}

bool gateway_client::breaker_open(const std::string& provider) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (const auto& [key, breaker] : breakers_)
    if (key.rfind(provider + "@", 0) == 0 && breaker.open())
      return true;
  return false;
}

outbound_response gateway_client::attempt(const outbound_request& request) {
  outbound_response out;
  auto curl = handles_->take();
  struct give_back_on_exit {
    handle_pool& pool;
    std::unique_ptr<CURL, easy_deleter>& handle;
    ~give_back_on_exit() { pool.give_back(std::move(handle)); }
  } give_back{*handles_, curl};
  if (!curl) {
    out.failure = outbound_failure::protocol;
    out.error = "curl_easy_init failed";
    return out;
  }
  std::unique_ptr<curl_slist, slist_deleter> headers;
  for (const auto& h : request.headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  // No "Expect: 100-continue": Pistache-based peers never answer it (TECH-NOTES §11).
  headers.reset(curl_slist_append(headers.release(), "Expect:"));
  auto* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // On a reused connection that the peer closed, libcurl sends the request again by itself.
  // Only a call that may be repeated gets a reused connection; any other gets a fresh one.
  curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, request.retry_safe ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_answer_bytes));  // a declared length
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  auto rc = curl_easy_perform(c);
  long sent_bytes = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent_bytes);
  out.request_sent = rc == CURLE_OK || sent_bytes > 0;
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    return out;
  }
  out.error = rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED ? "the answer is larger than 1 MiB"
                                                                        : curl_easy_strerror(rc);
  out.failure = rc == CURLE_OPERATION_TIMEDOUT                                   ? outbound_failure::timeout
                : rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ? outbound_failure::connect
                                                                                  : outbound_failure::protocol;
  return out;
}

outbound_response gateway_client::call(const outbound_request& request) {
  auto started = std::chrono::steady_clock::now();
  outbound_response out;
  int max_attempts = request.retry_safe ? std::max(1, settings_.max_attempts) : 1;
  thread_local std::mt19937 jitter{std::random_device{}()};
  for (int attempt_no = 1; attempt_no <= max_attempts; ++attempt_no) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto& breaker = breakers_.try_emplace(request.provider + "@" + origin_of(request.url), settings_.breaker_failures,
                                            settings_.breaker_open_for)
                        .first->second;
      if (!breaker.allow(std::chrono::steady_clock::now())) {
        out = outbound_response{};
        out.failure = outbound_failure::breaker_open;
        out.error = "circuit breaker open for " + request.provider + " at " + origin_of(request.url);
        break;
      }
    }
    out = attempt(request);
    out.attempts = attempt_no;
    // A 4xx is the gateway answering, not the gateway failing: it does not trip the breaker.
    bool healthy = out.failure == outbound_failure::none && out.status < 500;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      breakers_.at(request.provider + "@" + origin_of(request.url)).record(healthy, std::chrono::steady_clock::now());
    }
    if (!worth_retrying(out) || attempt_no == max_attempts)
      break;
    auto base = settings_.backoff_base * (1 << (attempt_no - 1));
    std::uniform_int_distribution<long> spread{0, static_cast<long>(base.count())};
    std::this_thread::sleep_for(base + std::chrono::milliseconds(spread(jitter)));
  }
  out.latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  count_call(request.provider, out);
  if (record_)
    record_(call_record{request.provider, request.operation, request.method, path_of(request.url), out.status,
                        out.failure, out.attempts, out.latency});
  return out;
}

}  // namespace commerce::integrations
