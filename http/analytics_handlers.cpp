// Analytics endpoints (API.md §3.7): parse -> message to the analytics writer -> render.
#include "actors/analytics_messages.hpp"
#include "actors/analytics_rules.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;
namespace rules = actors::analytics_rules;

/// PostgreSQL's jsonb cannot hold a NUL character (\u0000) in a string or a key: such an event is
/// refused here (400 naming the field), never accepted and then dropped by the writer. The depth
/// is bounded by the parser (64 levels).
void check_no_nul(const rapidjson::Value& v, const std::string& path, json::reader& in) {
  auto has_nul = [](const char* s, rapidjson::SizeType n) { return std::char_traits<char>::find(s, n, '\0') != nullptr; };
  if (v.IsString() && has_nul(v.GetString(), v.GetStringLength())) {
    in.add_error(path, "must not contain NUL characters");
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      std::string name{m.name.GetString(), m.name.GetStringLength()};
      auto child = path.empty() ? name : path + "." + name;
      if (has_nul(m.name.GetString(), m.name.GetStringLength()))
        in.add_error(path.empty() ? "body" : path, "keys must not contain NUL characters");
      else
        check_no_nul(m.value, child, in);
    }
  } else if (v.IsArray()) {
    rapidjson::SizeType i = 0;
    for (const auto& item : v.GetArray())
      check_no_nul(item, path + "." + std::to_string(i++), in);
  }
}

/// The money fields an event may carry (API.md §0 money); the first one present is the event's
/// amount, summed as revenue for purchases.
constexpr const char* money_fields[] = {"amount", "value", "revenue"};

void track(caf::event_based_actor* self, const ctx_ptr& ctx) {
  if (ctx->body.size() > rules::max_event_bytes)
    return ctx->out->problem(actors::problem::of(error_code::payload_too_large,
                                                 "an analytics event is at most " +
                                                   std::to_string(rules::max_event_bytes) + " bytes"));
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::track_event ev;
  auto type = in.string("type", true);
  if (type) {
    if (auto why = rules::check_type(*type))
      in.add_error("type", *why);
    ev.type = *type;
  }
  for (const char* name : money_fields) {
    auto minor = in.money(name, false);
    if (minor && *minor < 0)
      in.add_error(name, "must not be negative");
    else if (minor && !ev.amount_minor)
      ev.amount_minor = minor;
  }
  if (auto q = in.integer("quantity", false); q && (*q < 1 || *q > 1'000'000))
    in.add_error("quantity", "must be between 1 and 1000000");
  check_no_nul(doc, "", in);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  if (ctx->user)
    ev.user_id = ctx->user->id;
  ev.data = ctx->body;
  self->request(ctx->app->analytics, ctx->timeout(), std::move(ev))
    .then(
      [ctx](actors::track_reply& r) {
        if (r.error.code == error_code::service_unavailable)
          ctx->out->problem(r.error, 0, {{"Retry-After", "1"}});
        else if (r.error)
          ctx->out->problem(r.error);
        else
          ctx->out->json(200, views::tracked_event(r.id));
      },
      [ctx](caf::error&) { ctx->out->problem(actors::problem::unavailable(), 0, {{"Retry-After", "1"}}); });
}

void stats(caf::event_based_actor* self, const ctx_ptr& ctx) {
  actors::field_errors bad;
  actors::get_analytics_stats q;
  std::optional<std::string> shown[2];
  int i = 0;
  for (auto [name, target] : {std::pair{"from", &q.from_us}, std::pair{"to", &q.to_us}}) {
    if (auto it = ctx->query.find(name); it != ctx->query.end()) {
      if (auto us = rules::parse_iso8601(it->second)) {
        *target = us;
        shown[i] = rules::format_iso8601(*us);
      } else {
        bad[name].push_back("must be an ISO-8601 time, e.g. 2024-05-01T12:00:00Z, or a date, e.g. 2024-05-01");
      }
    }
    ++i;
  }
  if (!bad.empty())
    return ctx->out->problem(actors::problem::validation(std::move(bad), "invalid query parameters"));
  ask(self, ctx->app->analytics, ctx, q, [ctx, from = shown[0], to = shown[1]](const auto& r) {
    ctx->out->json(200, views::analytics_stats(r.counts, from, to));
  });
}

}  // namespace

void add_analytics_routes(router& r) {
  r.add(Method::Post, "/api/analytics/track/", access::anyone, track);
  r.add(Method::Get, "/api/analytics/stats/", access::staff, stats);
}

}  // namespace commerce::http
