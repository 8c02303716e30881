// Workarounds for Pistache 0.0.5 shared by every Pistache server we run (commerce-server's
// front door and commerce-mock), see TECH-NOTES §3.
#pragma once

#include <pistache/http.h>

#include <ostream>
#include <string>

namespace commerce::http {

/// A response header with a run-time name. Pistache 0.0.5 writes only typed headers and
/// silently drops addRaw() ones, so X-Request-ID, WWW-Authenticate, Allow or a mock's headers
/// go through this.
class named_header final : public Pistache::Http::Header::Header {
public:
  named_header(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return Pistache::Http::Header::detail::hash(name_.c_str()); }
#endif

private:
  std::string name_;
  std::string value_;
};

/// Pistache answers an HTTP/1.1 request without a Connection header with "Connection: close",
/// which makes clients reconnect every time (4.6x less throughput). Call before sending.
inline bool needs_keep_alive_fix(const Pistache::Http::Request& req) {
  return req.version() == Pistache::Http::Version::Http11 && !req.headers().has<Pistache::Http::Header::Connection>();
}
inline void apply_keep_alive_fix(Pistache::Http::ResponseWriter& rw) {
  rw.headers().remove<Pistache::Http::Header::Connection>();
  rw.headers().add<Pistache::Http::Header::Connection>(Pistache::Http::ConnectionControl::KeepAlive);
}

/// Pistache 0.0.5 hands out query names, values and paths still percent-encoded: decode
/// %XX escapes (and '+' as a space, with `plus_is_space`).
inline std::string url_decode(const std::string& s, bool plus_is_space = true) {
  auto hex = [](char c) -> int {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace commerce::http
