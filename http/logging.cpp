#include "http/logging.hpp"

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <ctime>

namespace commerce::http {

namespace {

/// RFC 3339 UTC with milliseconds, e.g. 2026-11-26T22:40:04.123Z.
void append_time(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  auto since = msg.time.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  n += static_cast<size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis)));
  dest.append(buf, buf + n);
}

void append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

constexpr std::string_view access_logger_name = "access";

/// {"time","level", then either "message" (escaped) or, for the access logger's lines, the
/// fields its message already holds. A formatter belongs to a sink in spdlog, and both loggers
/// share one sink (whole lines, never interleaved), so the logger's name tells them apart.
class json_formatter : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(dest, "{\"time\":\"");
    append_time(msg, dest);
    append(dest, "\",\"level\":\"");
    auto level = spdlog::level::to_string_view(msg.level);
    append(dest, {level.data(), level.size()});
    std::string_view payload{msg.payload.data(), msg.payload.size()};
    if (std::string_view{msg.logger_name.data(), msg.logger_name.size()} == access_logger_name) {
      append(dest, "\",");
      append(dest, payload);
    } else {
      append(dest, "\",\"message\":\"");
      append(dest, json_escape(payload));
      append(dest, "\"");
    }
    append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

/// Length of the UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
      return 0;
  return n;
}

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80) {
      auto n = utf8_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

std::shared_ptr<spdlog::logger> install_logging(log_format format, std::shared_ptr<spdlog::logger> main) {
  spdlog::set_default_logger(main);
  if (format == log_format::text)
    return main;
  // A formatter belongs to a sink: both loggers share the sinks, so ordinary and access lines
  // interleave whole, and the JSON formatter writes no colour codes (escape codes are not JSON).
  main->set_formatter(std::make_unique<json_formatter>());
  auto access = std::make_shared<spdlog::logger>(std::string{access_logger_name}, main->sinks().begin(),
                                                 main->sinks().end());
  access->set_level(main->level());
  access->flush_on(spdlog::level::warn);
  return access;
}

void log_access(spdlog::logger& logger, log_format format, const access_fields& f) {
  if (format == log_format::text) {
    logger.info("access {} \"{} {}\" {} {}B {:.1f}ms", f.request_id, f.method, f.path, f.status, f.bytes, f.latency_ms);
    return;
  }
  // The fields of the line; json_formatter adds time and level around them.
  logger.info("\"type\":\"access\",\"request_id\":\"{}\",\"method\":\"{}\",\"path\":\"{}\",\"route\":\"{}\","
              "\"status\":{},\"bytes\":{},\"latency_ms\":{:.3f}",
              json_escape(f.request_id), json_escape(f.method), json_escape(f.path), json_escape(f.route), f.status,
              f.bytes, f.latency_ms);
}

}  // namespace commerce::http
