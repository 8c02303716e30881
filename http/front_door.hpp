// The Pistache front door: hands each HTTP request to one of a few request actors
// (http/request_actors.hpp), where it is authenticated (JWT, then the user's actor), its route's
// handler runs and the reply callback answers. No Pistache thread ever waits for an actor.
#pragma once

#include "actors/analytics_messages.hpp"
#include "actors/cart_messages.hpp"
#include "actors/catalog_messages.hpp"
#include "actors/job_messages.hpp"
#include "actors/order_messages.hpp"
#include "actors/payment_messages.hpp"
#include "actors/user_messages.hpp"
#include "config/ip_ranges.hpp"
#include "config/settings.hpp"
#include "http/jwt.hpp"
#include "http/metrics.hpp"
#include "http/reply.hpp"
#include "http/request_actors.hpp"
#include "http/router.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <atomic>
#include <map>
#include <vector>
#include <memory>
#include <optional>
#include <string>

namespace commerce::http {

/// What handlers reach: the actors and the settings. Shared by every request.
struct app_context {
  /// `s` has passed config::load's checks (its address lists parse).
  app_context(caf::actor_system& sys, config::settings s, std::string jwt_secret);
  caf::actor_system& system;
  config::settings settings;
  config::ip_ranges trusted_proxies;  ///< peers whose X-Forwarded-For names the client
  config::ip_ranges webhook_sources;  ///< where provider callbacks may come from; empty: anywhere
  jwt_codec jwt;
  actors::user_api users;       ///< the user supervisor
  actors::catalog_api catalog;  ///< the catalog supervisor
  actors::cart_api carts;       ///< the cart supervisor
  actors::order_api orders;     ///< the order supervisor
  actors::payment_desk_api payment_desk;  ///< payment reads, webhooks, notifications, Idempotency-Key claims
  actors::job_desk_api jobs;  ///< queues background jobs, answers task reads
  actors::analytics_api analytics;        ///< the analytics writer (batches events into PostgreSQL)
  caf::actor probe;    ///< the health probe
  caf::actor limiter;  ///< rate limits of the auth endpoints (actors/rate_limiter.hpp)
  std::vector<caf::actor> gateways;  ///< the integration actors (the admin console asks their status)
  caf::actor admin_desk;  ///< the console's jobs view, job retries and audit (actors/admin_desk.hpp)
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> requests_total{0};  ///< requests received, ever (the console's request rate)
  std::atomic<int64_t> open_connections{0};  ///< client connections Pistache holds (MAX_CONNECTIONS)
  std::atomic<int64_t> refused_connections{0};  ///< connections refused over MAX_CONNECTIONS, ever
  std::atomic<bool> draining{false};
  std::shared_ptr<http::metrics> metrics;         ///< null: METRICS_ENABLED=false (nothing recorded)
  std::shared_ptr<spdlog::logger> access_logger;  ///< null: the default logger
  log_format logs = log_format::text;
};

/// One request as handlers see it: copied out of Pistache's request, so it outlives onRequest.
struct request_context {
  std::shared_ptr<app_context> app;
  std::shared_ptr<reply> out;
  std::string path;
  std::string host;  ///< the Host header, for absolute next/previous links
  std::string client_ip;  ///< the peer's address (CloudPayments wants the buyer's IP with a card charge)
  std::string body;
  std::map<std::string, std::string> params;  ///< `{id}` captures
  std::map<std::string, std::string> query;
  std::optional<std::string> idempotency_key;
  std::map<std::string, std::string> raw_headers;  ///< untyped headers, lower-case names (routes that ask only)
  std::optional<token_claims> claims;     ///< a verified access token, if one was sent
  std::optional<actors::user_view> user;  ///< the authenticated user, once checked

  std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(app->settings.request_timeout_ms); }
  /// For requests that wait on an external gateway: create + status check, each bounded.
  std::chrono::milliseconds gateway_timeout() const {
    return timeout() + std::chrono::milliseconds(4 * app->settings.gateway_timeout_ms);
  }
};

/// Registers every endpoint of the API on `r`.
void add_auth_routes(router& r);
void add_system_routes(router& r);
void add_catalog_routes(router& r);
void add_cart_routes(router& r);
void add_order_routes(router& r);
void add_payment_routes(router& r);
void add_shipping_routes(router& r);
void add_task_routes(router& r);
void add_inventory_routes(router& r);
void add_analytics_routes(router& r);
void add_admin_routes(router& r);
/// GET /metrics (Prometheus text) and GET /api/openapi.json.
void add_observability_routes(router& r, bool metrics_enabled);
/// The whole route table, in one place (the server's and the OpenAPI checks'); /metrics only
/// when `metrics_served`.
void add_all_routes(router& r, bool metrics_served);

class front_door {
public:
  front_door(std::shared_ptr<app_context> app, std::shared_ptr<const router> routes);
  ~front_door();

  /// Binds and serves on background threads; throws std::runtime_error if it cannot bind.
  void start();
  /// Refuses new requests (503), waits up to `grace` for in-flight ones, then closes.
  void stop(std::chrono::milliseconds grace);

private:
  std::shared_ptr<app_context> app_;
  std::shared_ptr<const router> routes_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  std::shared_ptr<write_queue_waker> waker_;
  std::shared_ptr<request_actors> runners_;
};

}  // namespace commerce::http
