// GET /metrics (Prometheus text, issue 12) and GET /api/openapi.json (the API's document,
// docs/openapi.json embedded at build time).
#include "actors/blocking_pool.hpp"
#include "actors/gateway_messages.hpp"
#include "common/digest.hpp"
#include "http/handler_support.hpp"

#include <caf/all.hpp>

namespace commerce::http {

extern const char openapi_document[];

namespace {

using Pistache::Http::Method;

/// What one scrape gathers from the actors, one request at a time (never blocking an actor).
struct scrape {
  std::vector<std::pair<std::string, actors::supervision_api>> supervisors;  ///< still to ask
  std::vector<caf::actor> gateways;                                          ///< still to ask
  bool queue_asked = false;
  actor_snapshot snapshot;
};

void finish_scrape(const ctx_ptr& ctx, const scrape& s) {
  auto snapshot = s.snapshot;
  snapshot.running_actors = static_cast<int64_t>(ctx->app->system.registry().running());
  ctx->out->text(200, ctx->app->metrics->render(snapshot), "text/plain; version=0.0.4; charset=utf-8");
}

void gather(caf::event_based_actor* self, const ctx_ptr& ctx, std::shared_ptr<scrape> s) {
  // A part that does not answer is left out of this scrape rather than failing all of it.
  if (!s->supervisors.empty()) {
    auto [kind, supervisor] = s->supervisors.back();
    s->supervisors.pop_back();
    self->request(supervisor, ctx->timeout(), actors::stats_atom::value)
      .then(
        [=, kind = kind](actors::supervisor_stats& st) {
          s->snapshot.supervisors.emplace_back(kind, st);
          gather(self, ctx, s);
        },
        [=](caf::error&) { gather(self, ctx, s); });
    return;
  }
  if (!s->gateways.empty()) {
    auto gateway = s->gateways.back();
    s->gateways.pop_back();
    self->request(gateway, ctx->timeout(), actors::stats_atom::value)
      .then(
        [=](actors::gateway_status& g) {
          s->snapshot.gateways.insert(s->snapshot.gateways.begin(), std::move(g));
          gather(self, ctx, s);
        },
        [=](caf::error&) { gather(self, ctx, s); });
    return;
  }
  const auto& sources = ctx->app->metrics->sources;
  if (!s->queue_asked && sources.job_queue && sources.blocking_pool) {
    s->queue_asked = true;
    // The queue's depth is a Redis or PostgreSQL round trip: on the blocking pool, never here.
    auto factory = sources.job_queue;
    auto job = actors::cpu_job([factory] {
      auto st = factory->make()->stats();
      return std::vector<int64_t>{st.waiting, st.running, st.delayed, st.dead};
    });
    self->request(sources.blocking_pool, ctx->timeout(), std::move(job))
      .then(
        [=](std::vector<int64_t>& v) {
          if (v.size() == 4)
            s->snapshot.queue = persistence::job_queue_stats{v[0], v[1], v[2], v[3]};
          finish_scrape(ctx, *s);
        },
        [=](caf::error&) {
          s->snapshot.queue_unavailable = true;
          finish_scrape(ctx, *s);
        });
    return;
  }
  finish_scrape(ctx, *s);
}

void metrics_page(caf::event_based_actor* self, const ctx_ptr& ctx) {
  const auto& app = *ctx->app;
  if (!app.metrics) {
    ctx->out->problem(actors::problem::not_found("no such resource"));
    return;
  }
  const auto& token = app.settings.metrics_token;
  if (!token.empty()) {
    auto it = ctx->raw_headers.find("authorization");
    const std::string expected = "Bearer " + token;
    if (it == ctx->raw_headers.end() || !common::equal_in_constant_time(it->second, expected)) {
      ctx->out->problem(actors::problem::of(error_code::not_authenticated, "/metrics needs METRICS_TOKEN as a Bearer token"));
      return;
    }
  }
  auto s = std::make_shared<scrape>();
  s->supervisors = {{"order", app.orders}, {"cart", app.carts}, {"product", app.catalog}, {"user", app.users}};
  s->gateways = app.gateways;
  gather(self, ctx, s);
}

void openapi(caf::event_based_actor*, const ctx_ptr& ctx) { ctx->out->json(200, openapi_document); }

}  // namespace

void add_observability_routes(router& r, bool metrics_enabled) {
  if (metrics_enabled) {
    r.add(Method::Get, "/metrics", access::credentials, metrics_page);
    r.reads_headers_of_last();
  }
  r.add(Method::Get, "/api/openapi.json", access::credentials, openapi);
}

void add_all_routes(router& r, bool metrics_served) {
  add_system_routes(r);
  add_auth_routes(r);
  add_catalog_routes(r);
  add_cart_routes(r);
  add_order_routes(r);
  add_payment_routes(r);
  add_shipping_routes(r);
  add_task_routes(r);
  add_inventory_routes(r);
  add_analytics_routes(r);
  add_admin_routes(r);
  add_observability_routes(r, metrics_served);
}

}  // namespace commerce::http
