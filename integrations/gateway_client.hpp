// The one place we speak HTTP to external gateways (payments, shipping, e-mail, SMS), on
// libcurl: connect and total timeouts, bounded retries with exponential backoff and jitter
// only where a retry cannot double an effect (idempotent methods, or a request carrying an
// idempotency key), a circuit breaker per provider, and a record of every call (provider,
// operation, status, latency; never headers or bodies, which carry secrets). Calls block:
// run them on a blocking pool, never on an actor scheduler thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace commerce::integrations {

struct outbound_request {
  std::string provider;   ///< "stripe", "generic", ... (with the URL's origin, the breaker's key)
  std::string operation;  ///< "create_payment", ... (for the record)
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;
  bool retry_safe = false;  ///< idempotent, or carries an idempotency key
};

enum class outbound_failure { none, connect, timeout, breaker_open, protocol };

struct outbound_response {
  long status = 0;  ///< 0 when no HTTP response arrived
  std::string body;
  outbound_failure failure = outbound_failure::none;
  std::string error;  ///< libcurl's reason when failure != none
  /// Whether any of the request reached the wire: a connect failure (or an open breaker) sent
  /// nothing, so it cannot have taken effect; a timeout or drop after sending may have.
  bool request_sent = false;
  int attempts = 0;
  std::chrono::milliseconds latency{0};
  bool ok() const { return failure == outbound_failure::none && status >= 200 && status < 300; }
};

/// An e-mail handed to an SMTP server (smtp://host:port, or smtps:// for implicit TLS).
struct smtp_request {
  std::string provider = "smtp";
  std::string url;
  bool require_starttls = false;  ///< refuse to send unless the server upgrades to TLS
  std::string username;           ///< empty: no AUTH
  std::string password;
  std::string from;
  std::string to;
  std::string message;  ///< RFC 5322: headers, a blank line, the body
};

/// One outbound call as recorded for audit.
struct call_record {
  std::string provider;
  std::string operation;
  std::string method;
  std::string path;  ///< without query string: queries can carry credentials
  long status = 0;
  outbound_failure failure = outbound_failure::none;
  int attempts = 0;
  std::chrono::milliseconds latency{0};
};

struct client_settings {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds total_timeout{5000};  ///< per attempt, connect included
  int max_attempts = 3;                            ///< for retry-safe calls; others get one
  std::chrono::milliseconds backoff_base{100};     ///< 100, 200, 400 ... plus up to 100% jitter
  int breaker_failures = 5;                        ///< consecutive failures that open a breaker
  std::chrono::milliseconds breaker_open_for{10000};
};

/// Closed -> open after N consecutive failures -> half-open after a pause (one trial call) ->
/// closed on success, open again on failure.
class circuit_breaker {
public:
  circuit_breaker(int threshold, std::chrono::milliseconds open_for) : threshold_(threshold), open_for_(open_for) {}
  bool allow(std::chrono::steady_clock::time_point now);
  void record(bool success, std::chrono::steady_clock::time_point now);
  bool open() const { return open_; }
  int failures() const { return failures_; }
  /// An operator's trip: open now, as if the threshold had been reached (half-open after the pause).
  void trip(std::chrono::steady_clock::time_point now);
  /// An operator's reset: closed, failures forgotten.
  void reset();

private:
  int threshold_;
  std::chrono::milliseconds open_for_;
  int failures_ = 0;
  bool open_ = false;
  bool trial_in_flight_ = false;
  std::chrono::steady_clock::time_point opened_at_;
};

/// One breaker as the admin console shows it.
struct breaker_report {
  std::string origin;  ///< scheme://host[:port], without credentials
  bool open = false;
  int consecutive_failures = 0;
};

/// A provider's calls as the admin console shows them: counters since start, latency
/// percentiles over the last `latency_window` calls, and the last failure.
struct gateway_call_stats {
  static constexpr size_t latency_window = 256;
  int64_t calls = 0;
  int64_t errors = 0;  ///< no answer, or a 5xx (a 4xx is the gateway answering)
  int64_t p50_ms = 0, p90_ms = 0, p99_ms = 0;
  std::string last_error;  ///< empty: none yet
  int64_t last_error_at_ms = 0;  ///< unix milliseconds
};

class gateway_client {
public:
  using recorder = std::function<void(const call_record&)>;

  explicit gateway_client(client_settings settings, recorder record = {});
  ~gateway_client();
  gateway_client(const gateway_client&) = delete;
  gateway_client& operator=(const gateway_client&) = delete;

  /// Performs the call with retries per the settings. Thread-safe.
  outbound_response call(const outbound_request& request);

  /// Sends one e-mail over SMTP, once (a retry could deliver it twice). status is 250 when the
  /// server accepted it. Thread-safe.
  outbound_response send_mail(const smtp_request& request);

  /// Whether any breaker of `provider` (one per remote origin) is open.
  bool breaker_open(const std::string& provider);

  /// The breakers of `provider`, one per remote origin it has called.
  std::vector<breaker_report> breakers(const std::string& provider);

  /// Opens (trip) or closes (reset) every breaker of `provider`; returns how many it has (one
  /// per origin it has called: none before its first call).
  size_t force_breakers(const std::string& provider, bool open);

  gateway_call_stats call_stats(const std::string& provider);

private:
  struct call_window {
    int64_t calls = 0, errors = 0;
    std::vector<int64_t> latencies_ms;  ///< ring of the last latency_window calls
    size_t next = 0;
    std::string last_error;
    int64_t last_error_at_ms = 0;
  };
  void count_call(const std::string& provider, const outbound_response& out);

  struct handle_pool;

  outbound_response attempt(const outbound_request& request);

  client_settings settings_;
  std::unique_ptr<handle_pool> handles_;  ///< idle libcurl handles: their connections stay open for reuse
  recorder record_;
  std::mutex mtx_;
  std::map<std::string, circuit_breaker> breakers_;
  std::map<std::string, call_window> call_windows_;  ///< by provider
};

/// curl_global_init, once, before any thread calls a gateway.
void init_http_clients();

}  // namespace commerce::integrations
