// Health (API.md §3.7) and the admin console's view of live actors (staff only).
#include "actors/gateway_messages.hpp"
#include "actors/system_messages.hpp"
#include "http/handler_support.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

std::string render_health(const actors::health_report& h) {
  rapidjson::StringBuffer buf;
  json::writer w{buf};
  w.StartObject();
  w.Key("status");
  w.String(h.healthy() ? "ok" : "unavailable");
  w.Key("database");
  w.Bool(h.database);
  w.Key("worker");
  w.Bool(h.worker);
  if (h.redis_checked) {
    w.Key("redis");
    w.Bool(h.redis);
  }
  w.EndObject();
  return buf.GetString();
}

void health(caf::event_based_actor* self, const ctx_ptr& ctx) {
  self->request(ctx->app->probe, ctx->timeout(), actors::health_atom::value)
    .then([=](actors::health_report& h) { ctx->out->json(h.healthy() ? 200 : 503, render_health(h)); },
          [=](caf::error&) {
            actors::health_report down;
            down.redis_checked = !ctx->app->settings.redis_url.empty();
            ctx->out->json(503, render_health(down));
          });
}

void write_stats(json::writer& w, const actors::supervisor_stats& s) {
  w.StartObject();
  w.Key("active");
  w.Int64(s.active);
  w.Key("activations");
  w.Int64(s.activations);
  w.Key("passivations");
  w.Int64(s.passivations);
  w.Key("crashes");
  w.Int64(s.crashes);
  w.Key("restarts_in_window");
  w.Int64(s.restarts_in_window);
  w.EndObject();
}

void write_gateway(json::writer& w, const actors::gateway_status& g) {
  w.StartObject();
  w.Key("kind");
  w.String(g.kind);
  w.Key("provider");
  w.String(g.provider);
  w.Key("breakers");
  w.StartArray();
  for (const auto& b : g.breakers) {
    w.StartObject();
    w.Key("origin");
    w.String(b.origin);
    w.Key("open");
    w.Bool(b.open);
    w.Key("consecutive_failures");
    w.Int(b.consecutive_failures);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

/// What the console gathers, one actor at a time (one short-lived actor, no blocking).
struct console_view {
  std::vector<std::pair<std::string, actors::supervision_api>> supervisors;  ///< still to ask
  std::vector<caf::actor> gateways;                             ///< still to ask
  std::vector<std::pair<std::string, actors::supervisor_stats>> stats;
  std::vector<actors::gateway_status> gateway_status;
};

void render_console(const ctx_ptr& ctx, const console_view& v) {
  ctx->out->json(200, render([&](json::writer& w) {
                   w.StartObject();
                   w.Key("supervisors");
                   w.StartObject();
                   for (const auto& [name, stats] : v.stats) {
                     w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
                     write_stats(w, stats);
                   }
                   w.EndObject();
                   w.Key("gateways");
                   w.StartArray();
                   for (const auto& g : v.gateway_status)
                     write_gateway(w, g);
                   w.EndArray();
                   w.Key("in_flight_requests");
                   w.Int64(ctx->app->in_flight.load());
                   w.Key("running_actors");  // every live actor, the short-lived per-request ones included
                   w.Uint64(ctx->app->system.registry().running());
                   w.EndObject();
                 }));
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
