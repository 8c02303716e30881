// Health (API.md §3.7) and the admin console's view of live actors (staff only).
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

using named_stats = std::vector<std::pair<std::string, actors::supervisor_stats>>;

/// Asks each supervisor in turn (one short-lived actor, no blocking), then renders them all.
void collect_stats(caf::event_based_actor* self, const ctx_ptr& ctx,
                   std::shared_ptr<std::vector<std::pair<std::string, caf::actor>>> pending,
                   std::shared_ptr<named_stats> done) {
  if (pending->empty()) {
    ctx->out->json(200, render([&](json::writer& w) {
                     w.StartObject();
                     w.Key("supervisors");
                     w.StartObject();
                     for (const auto& [name, stats] : *done) {
                       w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
                       write_stats(w, stats);
                     }
                     w.EndObject();
                     w.Key("in_flight_requests");
                     w.Int64(ctx->app->in_flight.load());
                     w.EndObject();
                   }));
    return;
  }
  auto [name, supervisor] = pending->back();
  pending->pop_back();
  self->request(supervisor, ctx->timeout(), actors::stats_atom::value)
    .then(
      [=, name = name](actors::supervisor_stats& s) {
        done->emplace_back(name, s);
        collect_stats(self, ctx, pending, done);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void actor_stats(caf::event_based_actor* self, const ctx_ptr& ctx) {
  const auto& app = *ctx->app;
  auto pending = std::make_shared<std::vector<std::pair<std::string, caf::actor>>>(
    std::vector<std::pair<std::string, caf::actor>>{
      {"orders", app.orders}, {"carts", app.carts}, {"products", app.catalog}, {"users", app.users}});
  collect_stats(self, ctx, pending, std::make_shared<named_stats>());
}

}  // namespace

void add_system_routes(router& r) {
  r.add(Method::Get, "/health/", access::credentials, health);
  r.add(Method::Get, "/api/admin/actors/", access::staff, actor_stats);
}

}  // namespace commerce::http
