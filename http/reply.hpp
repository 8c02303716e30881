// The one response to one request. A reply owns Pistache's ResponseWriter; whoever holds the
// last reference (a handler's actor, usually) sends through it. If it is destroyed unsent (an
// actor died, a path forgot to answer), it answers 500 itself: a client never waits forever.
// It also applies TECH-NOTES §3's keep-alive fix, adds X-Request-ID and writes the access log.
#pragma once

#include "actors/problem.hpp"
#include "http/logging.hpp"
#include "http/pistache_compat.hpp"

#include <pistache/http.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace commerce::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request_line {
  std::string method;
  std::string path;
  std::string request_id;
  bool add_keep_alive = false;  ///< HTTP/1.1 request without a Connection header
  bool access_log = true;
  log_format format = log_format::text;
  std::shared_ptr<spdlog::logger> access_logger;  ///< null: the default logger
};

class route_series;

class reply {
public:
  /// `on_done` runs once the response is handed to Pistache (in-flight accounting); `wake` is
  /// told then too (see write_queue_waker).
  reply(Pistache::Http::ResponseWriter writer, request_line line, std::function<void()> on_done, io_thread_wake wake = {});
  ~reply();
  reply(const reply&) = delete;
  reply& operator=(const reply&) = delete;

  void json(int status, const std::string& body, const header_list& headers = {});
  /// A problem at its mapped status (or `status` when given), with WWW-Authenticate on 401.
  void problem(const actors::problem& p, int status = 0, header_list headers = {});
  void no_content();
  /// A body of another media type (Prometheus text, the admin console's HTML).
  void text(int status, const std::string& body, const std::string& media_type, const header_list& headers = {});
  bool sent() const { return sent_.load(); }
  /// Set by the front door once the request is routed: the route template the access line
  /// names (it outlives the reply: the router's), and where the response is counted (null:
  /// metrics off).
  void routed(const std::string* route_template, route_series* series) {
    route_ = route_template;
    series_ = series;
  }

private:
  void finish(int status, const std::string& body, bool has_body, const header_list& headers,
              const Pistache::Http::Mime::MediaType* media_type = nullptr);

  Pistache::Http::ResponseWriter writer_;
  request_line line_;
  std::function<void()> on_done_;
  io_thread_wake wake_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> sent_{false};
  const std::string* route_ = nullptr;
  route_series* series_ = nullptr;
};

}  // namespace commerce::http
