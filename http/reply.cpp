#include "http/reply.hpp"

#include "http/errors.hpp"
#include "http/metrics.hpp"
#include "http/pistache_compat.hpp"

#include <spdlog/spdlog.h>

namespace commerce::http {

namespace Http = Pistache::Http;


reply::reply(Http::ResponseWriter writer, request_line line, std::function<void()> on_done, io_thread_wake wake)
  : writer_(std::move(writer)),
    line_(std::move(line)),
    on_done_(std::move(on_done)),
    wake_(std::move(wake)),
    started_(std::chrono::steady_clock::now()) {}

reply::~reply() {
  if (!sent_.load()) {
    spdlog::error("{} {} {}: no response was produced; answering 500", line_.request_id, line_.method, line_.path);
    problem(actors::problem::internal());
  }
}

void reply::json(int status, const std::string& body, const header_list& headers) {
  finish(status, body, true, headers);
}

void reply::problem(const actors::problem& p, int status, header_list headers) {
  int code = status ? status : status_for(p.code);
  if (code == 401)
    headers.emplace_back("WWW-Authenticate", "Bearer");
  finish(code, render_problem(p), true, headers);
}

void reply::no_content() { finish(204, "", false, {}); }

void reply::text(int status, const std::string& body, const std::string& media_type, const header_list& headers) {
  auto type = Http::Mime::MediaType::fromString(media_type);
  finish(status, body, true, headers, &type);
}

void reply::finish(int status, const std::string& body, bool has_body, const header_list& headers,
                   const Http::Mime::MediaType* media_type) {
  if (sent_.exchange(true))
    return;  // one reply per request, whatever happens
  auto& out = writer_.headers();
  if (line_.add_keep_alive)
    apply_keep_alive_fix(writer_);
  out.add(std::make_shared<named_header>("X-Request-ID", line_.request_id));
  for (const auto& [name, value] : headers)
    out.add(std::make_shared<named_header>(name, value));
  static const auto json_type = Http::Mime::MediaType::fromString("application/json; charset=utf-8");
  auto code = static_cast<Http::Code>(status);
  try {
    if (has_body)
      writer_.send(code, body, media_type ? *media_type : json_type);
    else
      writer_.send(code);
  } catch (const std::exception& e) {
    spdlog::warn("{}: sending the response failed: {}", line_.request_id, e.what());
  }
  wake_.after_send();
  if (line_.access_log || series_) {
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (series_)
      series_->observe(status, elapsed);
    if (line_.access_log) {
      static const std::string no_route = "unmatched";
      auto& logger = line_.access_logger ? *line_.access_logger : *spdlog::default_logger_raw();
      log_access(logger, line_.format,
                 {line_.request_id, line_.method, line_.path, route_ ? *route_ : no_route, status,
                  body.size(), elapsed * 1000.0});
    }
  }
  if (on_done_)
    on_done_();
}

}  // namespace commerce::http
