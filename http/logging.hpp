// The log's two formats (LOG_FORMAT): `text` for people at a terminal, `json` for collectors:
// one JSON object per line, {"time","level","message"} for ordinary lines and
// {"time","level","type":"access","request_id","method","path","route","status","bytes","latency_ms"}
// for access lines. Access lines go through a logger of their own, so their fields are written
// as fields rather than escaped into a message. Nothing here logs bodies or headers: what is
// logged is what the call sites pass, and none passes a password, token or secret.
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace commerce::http {

enum class log_format { text, json };

/// Makes `main` (its sinks and levels set: config::make_logger) the default logger, writing in
/// `format`, and returns the access-line logger on the same sinks.
std::shared_ptr<spdlog::logger> install_logging(log_format format, std::shared_ptr<spdlog::logger> main);

/// `s` as the inside of a JSON string (quotes, backslashes, control characters escaped; bytes
/// that are not UTF-8 replaced by U+FFFD, so every line stays valid JSON).
std::string json_escape(std::string_view s);

struct access_fields {
  std::string_view request_id, method, path, route;
  int status = 0;
  size_t bytes = 0;
  double latency_ms = 0;
};

/// One access line on `logger` (the one install_logging returned, or any in text form).
void log_access(spdlog::logger& logger, log_format format, const access_fields& f);

}  // namespace commerce::http
