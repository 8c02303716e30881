// Payment and notification endpoints (API.md §3.5, §3.7): charges go through the order's actor;
// reads, webhooks and Idempotency-Key claims through the payment desk.
#include "actors/job_messages.hpp"
#include "actors/notification_jobs.hpp"
#include "actors/payment_messages.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

actors::requester who(const ctx_ptr& ctx) { return {ctx->user->id, ctx->user->is_staff}; }

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
  std::optional<idempotency_key_claim> keyed;
  if (!read_idempotency_key(ctx, body, keyed))
    return;
  auto orders = ctx->app->orders;
  auto desk = ctx->app->payment_desk;
  if (!keyed) {
    ask(self, orders, ctx, std::move(msg), [=](const Reply& r) { ctx->out->json(status, render_reply(r)); },
        ctx->gateway_timeout());
    return;
  }
  const auto& key = keyed->key;
  auto user = ctx->user->id;
  std::string where{endpoint};
  actors::claim_idempotency claim{user, where, key, keyed->request_hash};
  self->request(desk, ctx->timeout(), claim)
    .then(
      [=](actors::claim_reply& c) {
        if (c.error)
          return ctx->out->problem(c.error);
        switch (c.claim.outcome) {
          case persistence::key_claim::reused:
            return ctx->out->problem(actors::problem::of(error_code::idempotency_key_reused,
                                                         "this Idempotency-Key was used with a different request"));
          case persistence::key_claim::in_progress:
            return ctx->out->problem(actors::problem::of(error_code::idempotency_in_progress,
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
    [](const auto& r) { return r.payment.id; },
    [](const auto& r) { return views::payment(r.payment); },
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
    self, ctx, "payments.create", doc, std::move(cmd), 201, [](const auto& r) { return r.payment.id; },
    [](const auto& r) { return views::payment(r.payment); },
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
    [ctx](const auto& r) { ctx->out->json(200, views::payment(r.payment)); }, ctx->gateway_timeout());
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
    [](const auto& r) { return r.refund.id; },
    [](const auto& r) { return views::refund(r.refund); },
    [requester](int64_t id) { return actors::get_refund{id, requester}; });
}

void webhook(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->payment_desk, ctx, actors::payment_webhook{ctx->raw_headers, ctx->body, unix_now()},
      [ctx](const auto& r) { ctx->out->json(200, r.ack); },
      ctx->gateway_timeout());
}

void get(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->payment_desk, ctx, actors::get_payment{path_id(ctx), who(ctx)},
      [ctx](const auto& r) { ctx->out->json(200, views::payment(r.payment)); });
}

void order_notifications(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(
    self, ctx->app->payment_desk, ctx, actors::list_notifications{path_id(ctx), who(ctx)},
    [ctx](const auto& r) {
      ctx->out->json(200, views::notifications(r.items));
    });
}

/// Queues the notification job (actors/notification_jobs.hpp) for an order the caller may see.
void send_notification(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto order_id = in.integer("order_id", true);
  auto type = in.string("notification_type", true);
  if (order_id && *order_id <= 0)
    in.add_error("order_id", "must be a positive integer");
  if (type && !actors::is_order_notification(*type))
    in.add_error("notification_type", "must be order_created, order_confirmation, order_shipped or order_refunded");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  ask(self, ctx->app->payment_desk, ctx, actors::request_notification{*order_id, who(ctx), *type},
      [ctx](const auto& r) { ctx->out->json(202, views::task_accepted(r.task)); });
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
  r.add(Method::Post, "/api/notifications/send/", access::user, send_notification);
}

}  // namespace commerce::http
