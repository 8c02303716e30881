// Order endpoints (API.md §3.4): checkout with Idempotency-Key, the caller's orders, cancel,
// and /process/, which queues the order's fulfilment job (actors/order_jobs.hpp).
#include "actors/job_messages.hpp"
#include "actors/order_messages.hpp"
#include "http/handler_support.hpp"
#include "http/pagination.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

actors::requester who(const ctx_ptr& ctx) { return {ctx->user->id, ctx->user->is_staff}; }

persistence::postal_address read_address(json::reader& in, const rapidjson::Value& obj, const std::string& prefix) {
  json::reader fields{obj};
  persistence::postal_address a;
  a.first_name = fields.string("first_name", false).value_or("");
  a.last_name = fields.string("last_name", false).value_or("");
  a.street = fields.string("street", false).value_or("");
  a.city = fields.string("city", false).value_or("");
  a.postal_code = fields.string("postal_code", false).value_or("");
  a.country = fields.string("country", false).value_or("RU");
  for (const auto& [field, messages] : fields.problem().fields)
    for (const auto& m : messages)
      in.add_error(prefix + "." + field, m);
  return a;
}

void place(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::place_order cmd;
  auto& o = cmd.order;
  o.user_id = ctx->user->id;
  if (const auto* items = in.array("items", false)) {
    if (items->Empty())
      in.add_error("items", "must hold 1 to 100 entries");
    for (rapidjson::SizeType i = 0; i < items->Size(); ++i) {
      auto prefix = "items." + std::to_string(i);
      const auto& entry = (*items)[i];
      if (!entry.IsObject()) {
        in.add_error(prefix, "must be an object");
        continue;
      }
      json::reader line{entry};
      auto product_id = line.integer("product_id", true);
      auto quantity = line.integer("quantity", true);
      for (const auto& [field, messages] : line.problem().fields)
        for (const auto& m : messages)
          in.add_error(prefix + "." + field, m);
      if (product_id && quantity) {
        auto q = *quantity < 0 || *quantity > 1'000'000 ? 0 : static_cast<int32_t>(*quantity);
        o.items.push_back({*product_id, q});
      }
    }
  }
  if (const auto* ship = in.object("shipping_address", true))
    o.shipping_address = read_address(in, *ship, "shipping_address");
  if (const auto* bill = in.object("billing_address", false))
    o.billing_address = read_address(in, *bill, "billing_address");
  else
    o.billing_address = o.shipping_address;
  o.payment_method = in.string("payment_method", false).value_or("card");
  o.shipping_method = in.string("shipping_method", false).value_or("standard");
  std::optional<idempotency_key_claim> keyed;
  if (!read_idempotency_key(ctx, doc, keyed))
    return;
  if (!in.ok())
    return ctx->out->problem(in.problem());
  if (keyed) {
    o.idempotency_key = keyed->key;
    o.request_hash = keyed->request_hash;
  }
  ask(self, ctx->app->orders, ctx, std::move(cmd), [ctx](const auto& r) {
    header_list headers;
    if (r.replayed)
      headers.emplace_back("Idempotent-Replayed", "true");
    ctx->out->json(201, views::order(r.order), headers);
  });
}

void list(caf::event_based_actor* self, const ctx_ptr& ctx) {
  actors::field_errors bad;
  auto page = read_page(ctx->query, bad);
  if (!bad.empty())
    return ctx->out->problem(actors::problem::validation(std::move(bad), "invalid query parameters"));
  ask(self, ctx->app->orders, ctx, actors::list_orders{ctx->user->id, page.size, page.offset()},
                                [ctx, page](const auto& r) {
                                  ctx->out->json(200, views::order_page(*ctx, page, r.page));
                                });
}

void get(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->orders, ctx, actors::get_order{path_id(ctx), who(ctx)},
                           [ctx](const auto& r) { ctx->out->json(200, views::order(r.order)); });
}

void cancel(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->orders, ctx, actors::cancel_order{path_id(ctx), who(ctx)},
                           [ctx](const auto& r) { ctx->out->json(200, views::order(r.order)); });
}

/// An optional body: `payment_token`, what the job charges an unpaid order with (README: "How
/// /process/ pays").
void process(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto token = in.string("payment_token", false);
  if (token && (token->empty() || token->size() > 4096))
    in.add_error("payment_token", "must be 1 to 4096 characters");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  auto order_id = path_id(ctx);
  ask(self, ctx->app->orders, ctx, actors::start_processing{order_id, who(ctx), token.value_or("")},
      [ctx, order_id](const auto& r) { ctx->out->json(202, views::task_accepted(r.task, order_id)); });
}

}  // namespace

void add_order_routes(router& r) {
  r.add(Method::Post, "/api/orders/", access::user, place);
  r.add(Method::Get, "/api/orders/", access::user, list);
  r.add(Method::Get, "/api/orders/{id}/", access::user, get);
  r.add(Method::Post, "/api/orders/{id}/cancel/", access::user, cancel);
  r.add(Method::Post, "/api/orders/{id}/process/", access::user, process);
}

}  // namespace commerce::http
