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

}  // namespace commerce::http
