// The route table: method + path pattern -> access level + handler. Paths match with or
// without the trailing slash (API.md §0); `{name}` segments capture positive integer ids only,
// `{name:uuid}` segments UUIDs only (task ids), so a malformed id is a 404 like an unknown one. A known path with the wrong method is a 405
// that lists the allowed methods.
#pragma once

#include <pistache/http_defs.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace caf {
class event_based_actor;
}

namespace commerce::http {

struct request_context;

/// Who may call a route (API.md §3): anyone (a bad token is still a 401), anyone with any
/// token ignored (health, register, login, refresh), a signed-in user, staff only.
enum class access { anyone, credentials, user, staff };

using handler = std::function<void(caf::event_based_actor* self, const std::shared_ptr<request_context>& ctx)>;

struct route {
  Pistache::Http::Method method;
  std::vector<std::string> segments;
  access who;
  handler fn;
  /// A provider's callback (webhook): the handler reads untyped headers (signatures), and the
  /// body may be whatever media type the provider sends (the signature covers its bytes).
  bool provider_callback = false;
  std::string pattern;  ///< the route template, "/api/orders/{id}/" (metrics label, OpenAPI path)
  size_t index = 0;     ///< position in the table: per-route metrics are an array indexed by it
  /// The handler reads untyped request headers (e.g. /metrics: its own bearer token, not a JWT).
  bool reads_headers = false;
};

class router {
public:
  void add(Pistache::Http::Method method, const std::string& pattern, access who, handler fn,
           bool provider_callback = false);

  struct match {
    const route* found = nullptr;
    std::map<std::string, std::string> params;
    std::vector<Pistache::Http::Method> allowed;  ///< when the path exists under other methods
  };
  match find(Pistache::Http::Method method, std::string_view path) const;
  /// Marks the route just added as one whose handler reads raw headers.
  void reads_headers_of_last() { routes_.back().reads_headers = true; }
  const std::vector<route>& routes() const { return routes_; }

private:
  std::vector<route> routes_;
};

std::vector<std::string> split_path(std::string_view path);

}  // namespace commerce::http
