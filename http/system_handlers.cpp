// Health (API.md §3.7) and the admin console's view of live actors (staff only).
#include "actors/system_messages.hpp"
#include "http/front_door.hpp"
#include "http/json.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;
using ctx_ptr = std::shared_ptr<request_context>;

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

void actor_stats(caf::event_based_actor* self, const ctx_ptr& ctx) {
  self->request(ctx->app->users, ctx->timeout(), actors::stats_atom::value)
    .then(
      [=](actors::supervisor_stats& s) {
        rapidjson::StringBuffer buf;
        json::writer w{buf};
        w.StartObject();
        w.Key("supervisors");
        w.StartObject();
        w.Key("users");
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
        w.EndObject();
        w.Key("in_flight_requests");
        w.Int64(ctx->app->in_flight.load());
        w.EndObject();
        ctx->out->json(200, buf.GetString());
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

}  // namespace

void add_system_routes(router& r) {
  r.add(Method::Get, "/health/", access::credentials, health);
  r.add(Method::Get, "/api/admin/actors/", access::staff, actor_stats);
}

}  // namespace commerce::http
