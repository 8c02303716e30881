// Payment and notification endpoints (API.md §3.5, §3.7): charges go through the order's actor;
// reads, webhooks and Idempotency-Key claims through the payment desk.
#include "actors/crypto.hpp"
#include "actors/payment_messages.hpp"
#include "http/handler_support.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

actors::requester who(const ctx_ptr& ctx) { return {ctx->user->id, ctx->user->is_staff}; }

std::string render_payment(const persistence::payment_record& p) {
  return render([&](json::writer& w) {
    w.StartObject();
    w.Key("id");
    w.Int64(p.id);
    w.Key("order_id");
    w.Int64(p.order_id);
    w.Key("status");
    // processing and unknown (the gateway's answer never came) are pending to the client.
    w.String(p.status == "processing" || p.status == "unknown" ? "pending" : p.status);
    w.Key("amount");
    json::write_money(w, p.amount_minor);
    w.Key("currency");
    w.String(p.currency);
    w.Key("payment_method");
    w.String(p.payment_method);
    w.Key("confirmation_url");
    json::write_string_or_null(w, p.confirmation_url);
    w.Key("provider_payment_id");
    json::write_string_or_null(w, p.provider_payment_id);
    w.Key("created_at");
    w.String(p.created_at);
    w.EndObject();
  });
}

/// Runs `msg` under the request's Idempotency-Key (API.md §4): the key is claimed before the
/// operation (a repeat while it runs is 409, another body with it 422), completed with the
/// resource on a 2xx (a repeat then gets that resource, `Idempotent-Replayed: true`), and
/// released otherwise so the client may retry with it. Without a key, just `msg`. The keys are
/// the payment desk's; `msg` goes to the order supervisor, the replay to the payment desk.
template <class Msg, class IdOf, class Render, class Replay>
void under_idempotency_key(caf::event_based_actor* self, const ctx_ptr& ctx, const char* endpoint,
                           const rapidjson::Document& body, Msg msg, int status, IdOf id_of, Render render_reply,
                           Replay replay_request) {
  using Reply = actors::reply_of_t<actors::order_api, Msg>;
  auto orders = ctx->app->orders;
  auto desk = ctx->app->payment_desk;
  if (!ctx->idempotency_key) {
    ask(self, orders, ctx, std::move(msg), [=](const Reply& r) { ctx->out->json(status, render_reply(r)); },
        ctx->gateway_timeout());
    return;
  }
  const auto& key = *ctx->idempotency_key;
  if (!valid_idempotency_key(key))
    return ctx->out->problem(actors::problem::validation({{"Idempotency-Key", {"must be 1 to 255 visible ASCII characters"}}}));
  auto user = ctx->user->id;
  std::string where{endpoint};
  actors::claim_idempotency claim{user, where, key, actors::crypto::sha256_hex(json::canonical(body))};
  self->request(desk, ctx->timeout(), claim)
    .then(
      [=](actors::claim_reply& c) {
        if (c.error)
          return ctx->out->problem(c.error);
        switch (c.claim.outcome) {
          case persistence::key_claim::reused:
            return ctx->out->problem(actors::problem::of("idempotency_key_reused",
                                                         "this Idempotency-Key was used with a different request"));
          case persistence::key_claim::in_progress:
            return ctx->out->problem(actors::problem::of("idempotency_in_progress",
                                                         "a request with this Idempotency-Key is still running"));
          case persistence::key_claim::replay:
            ask(self, desk, ctx, replay_request(c.claim.resource_id), [=](const Reply& r) {
              ctx->out->json(status, render_reply(r), {{"Idempotent-Replayed", "true"}});
            });
            return;
          case persistence::key_claim::claimed:
            break;
        }
        auto settle = [=](int64_t resource, std::function<void()> respond) {
          self->request(desk, ctx->timeout(), actors::settle_idempotency{user, where, key, resource})
            .then([=](actors::claim_reply&) { respond(); }, [=](caf::error&) { respond(); });
        };
        self->request(orders, ctx->gateway_timeout(), msg)
          .then(
            [=](Reply& r) {
              settle(r.error ? 0 : id_of(r), [=] {
                if (r.error)
                  ctx->out->problem(r.error);
                else
                  ctx->out->json(status, render_reply(r));
              });
            },
            [=](caf::error&) { settle(0, [=] { ctx->out->problem(actors::problem::unavailable()); }); });
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

/// A provider's card token, or a card cryptogram (CloudPayments' run to several hundred characters).
bool valid_payment_token(const std::string& token) { return !token.empty() && token.size() <= 4096; }

void process(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto order_id = in.integer("order_id", true);
  auto method = in.string("payment_method", false).value_or("card");
  auto token = in.string("payment_token", true);
  if (method != "card")
    in.add_error("payment_method", "must be \"card\"");
  if (token && !valid_payment_token(*token))
    in.add_error("payment_token", "must be 1 to 4096 characters");
  if (order_id && *order_id <= 0)
    in.add_error("order_id", "must be a positive integer");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  auto requester = who(ctx);
  actors::process_payment cmd;
  cmd.order_id = *order_id;
  cmd.who = requester;
  cmd.payment_method = method;
  cmd.payment_token = *token;
  cmd.client_ip = ctx->client_ip;
  under_idempotency_key(
    self, ctx, "payments.process", doc, std::move(cmd), 200,
    [](const actors::payment_reply& r) { return r.payment.id; },
    [](const actors::payment_reply& r) { return render_payment(r.payment); },
    [requester](int64_t id) { return actors::get_payment{id, requester}; });
}

void create(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::process_payment cmd;
  cmd.two_step = true;
  auto order_id = in.integer("order_id", true);
  cmd.expected_amount = in.money("amount", false);
  auto currency = in.string("currency", false).value_or("RUB");
  cmd.payment_method = in.string("payment_method", false).value_or("card");
  cmd.return_url = in.string("return_url", false).value_or("");
  cmd.payment_token = in.string("payment_token", false).value_or("");
  cmd.client_ip = ctx->client_ip;
  if (doc.IsObject() && doc.HasMember("payment_token") && !valid_payment_token(cmd.payment_token))
    in.add_error("payment_token", "must be 1 to 4096 characters");
  if (currency != "RUB")
    in.add_error("currency", "must be RUB");
  if (cmd.payment_method != "card")
    in.add_error("payment_method", "must be \"card\"");
  if (!cmd.return_url.empty() && cmd.return_url.rfind("http://", 0) != 0 && cmd.return_url.rfind("https://", 0) != 0)
    in.add_error("return_url", "must be an http(s) URL");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  cmd.order_id = *order_id;
  cmd.who = who(ctx);
  auto requester = cmd.who;
  under_idempotency_key(
    self, ctx, "payments.create", doc, std::move(cmd), 201, [](const actors::payment_reply& r) { return r.payment.id; },
    [](const actors::payment_reply& r) { return render_payment(r.payment); },
    [requester](int64_t id) { return actors::get_payment{id, requester}; });
}

void confirm(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto payment_id = in.integer("payment_id", true);
  in.string("confirmation_token", false);  // type-checked; the gateway's status is what counts
  if (!in.ok())
    return ctx->out->problem(in.problem());
  ask(
    self, ctx->app->orders, ctx, actors::confirm_payment{*payment_id, who(ctx), 0},
    [ctx](const actors::payment_reply& r) { ctx->out->json(200, render_payment(r.payment)); }, ctx->gateway_timeout());
}

void refund(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto order_id = in.integer("order_id", true);
  auto amount = in.money("amount", false);
  auto reason = in.string("reason", false).value_or("");
  if (reason.size() > 255)
    in.add_error("reason", "must be at most 255 characters");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  auto requester = who(ctx);
  under_idempotency_key(
    self, ctx, "payments.refund", doc, actors::refund_payment{*order_id, requester, amount, reason}, 201,
    [](const actors::refund_reply& r) { return r.refund.id; },
    [](const actors::refund_reply& r) {
      const auto& f = r.refund;
      return render([&](json::writer& w) {
                       w.StartObject();
                       w.Key("id");
                       w.Int64(f.id);
                       w.Key("order_id");
                       w.Int64(f.order_id);
                       w.Key("payment_id");
                       w.Int64(f.payment_id);
                       w.Key("amount");
                       json::write_money(w, f.amount_minor);
                       w.Key("currency");
                       w.String(f.currency);
                       w.Key("status");
                       w.String(f.status == "processing" || f.status == "unknown" ? "pending" : f.status);
                       w.Key("reason");
                       w.String(f.reason);
                       w.Key("created_at");
                       w.String(f.created_at);
                       w.EndObject();
                     });
    },
    [requester](int64_t id) { return actors::get_refund{id, requester}; });
}

void webhook(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->payment_desk, ctx, actors::payment_webhook{ctx->raw_headers, ctx->body, unix_now()},
      [ctx](const actors::webhook_reply& r) { ctx->out->json(200, r.ack); },
      ctx->gateway_timeout());
}

void get(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->payment_desk, ctx, actors::get_payment{path_id(ctx), who(ctx)},
      [ctx](const actors::payment_reply& r) { ctx->out->json(200, render_payment(r.payment)); });
}

void order_notifications(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(
    self, ctx->app->payment_desk, ctx, actors::list_notifications{path_id(ctx), who(ctx)},
    [ctx](const actors::notifications_reply& r) {
      ctx->out->json(200, render([&](json::writer& w) {
                       w.StartArray();
                       for (const auto& n : r.items) {
                         w.StartObject();
                         w.Key("id");
                         w.Int64(n.id);
                         w.Key("order_id");
                         w.Int64(n.order_id);
                         w.Key("type");
                         w.String(n.type);
                         w.Key("provider");
                         w.String(n.provider);
                         w.Key("notification_type");
                         w.String(n.notification_type);
                         w.Key("status");
                         w.String(n.status);
                         w.Key("recipient");
                         w.String(n.recipient);
                         w.Key("created_at");
                         w.String(n.created_at);
                         w.EndObject();
                       }
                       w.EndArray();
                     }));
    });
}

}  // namespace

void add_payment_routes(router& r) {
  r.add(Method::Post, "/api/payments/process/", access::user, process);
  r.add(Method::Post, "/api/payments/create/", access::user, create);
  r.add(Method::Post, "/api/payments/confirm/", access::user, confirm);
  r.add(Method::Post, "/api/payments/refund/", access::user, refund);
  // The provider calls it with its own signature, no token: the signature is the authentication.
  r.add(Method::Post, "/api/payments/webhook/", access::credentials, webhook, true);
  r.add(Method::Get, "/api/payments/{id}/", access::user, get);
  r.add(Method::Get, "/api/notifications/order/{id}/", access::user, order_notifications);
}

}  // namespace commerce::http
