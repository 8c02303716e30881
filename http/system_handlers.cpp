// Health (API.md §3.7) and the admin console's view of live actors (staff only).
#include "actors/gateway_messages.hpp"
#include "actors/system_messages.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

void health(caf::event_based_actor* self, const ctx_ptr& ctx) {
  self->request(ctx->app->probe, ctx->timeout(), actors::health_atom::value)
    .then([=](actors::health_report& h) { ctx->out->json(h.healthy() ? 200 : 503, views::health(h)); },
          [=](caf::error&) {
            actors::health_report down;
            down.redis_checked = !ctx->app->settings.redis_url.empty();
            ctx->out->json(503, views::health(down));
          });
}

/// What the console gathers, one actor at a time (one short-lived actor, no blocking).
struct console_view {
  std::vector<std::pair<std::string, actors::supervision_api>> supervisors;  ///< still to ask
  std::vector<caf::actor> gateways;                             ///< still to ask
  std::vector<std::pair<std::string, actors::supervisor_stats>> stats;
  std::vector<actors::gateway_status> gateway_status;
};

void render_console(const ctx_ptr& ctx, const console_view& v) {
  ctx->out->json(200, views::actor_console(v.stats, v.gateway_status, ctx->app->in_flight.load(),
                                           ctx->app->system.registry().running()));
}

void collect(caf::event_based_actor* self, const ctx_ptr& ctx, std::shared_ptr<console_view> v) {
  auto failed = [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); };
  if (!v->supervisors.empty()) {
    auto [name, supervisor] = v->supervisors.back();
    v->supervisors.pop_back();
    self->request(supervisor, ctx->timeout(), actors::stats_atom::value)
      .then(
        [=, name = name](actors::supervisor_stats& s) {
          v->stats.emplace_back(name, s);
          collect(self, ctx, v);
        },
        failed);
  } else if (!v->gateways.empty()) {
    auto gateway = v->gateways.back();
    v->gateways.pop_back();
    self->request(gateway, ctx->timeout(), actors::stats_atom::value)
      .then(
        [=](actors::gateway_status& g) {
          v->gateway_status.insert(v->gateway_status.begin(), g);
          collect(self, ctx, v);
        },
        failed);
  } else {
    render_console(ctx, *v);
  }
}

void actor_stats(caf::event_based_actor* self, const ctx_ptr& ctx) {
  const auto& app = *ctx->app;
  auto v = std::make_shared<console_view>();
  v->supervisors = {{"orders", app.orders}, {"carts", app.carts}, {"products", app.catalog}, {"users", app.users}};
  v->gateways = app.gateways;
  collect(self, ctx, v);
}

}  // namespace

void add_system_routes(router& r) {
  r.add(Method::Get, "/health/", access::credentials, health);
  r.add(Method::Get, "/api/admin/actors/", access::staff, actor_stats);
}

}  // namespace commerce::http
