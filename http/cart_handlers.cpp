// Cart endpoints (API.md §3.3): the caller's own cart, through their cart actor.
#include "actors/cart_messages.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

int64_t caller(const ctx_ptr& ctx) { return ctx->user->id; }

/// `quantity` as an int in 1..999 (the cart actor re-checks); nullopt after answering 400.
std::optional<int32_t> read_quantity(const ctx_ptr& ctx, json::reader& in, bool required) {
  auto q = in.integer("quantity", required);
  if (q && (*q < 1 || *q > 999))
    in.add_error("quantity", "must be between 1 and 999");
  if (!in.ok()) {
    ctx->out->problem(in.problem());
    return std::nullopt;
  }
  return static_cast<int32_t>(q.value_or(1));
}

void get_cart(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->carts, ctx, actors::get_cart{caller(ctx)}, [ctx](const auto& r) {
    ctx->out->json(200, views::cart(r.lines));
  });
}

void add_item(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto product_id = in.integer("product_id", true);
  auto quantity = read_quantity(ctx, in, false);
  if (!quantity)
    return;
  ask(self, ctx->app->carts, ctx, actors::add_cart_item{caller(ctx), *product_id, *quantity},
                               [ctx](const auto& r) { ctx->out->json(201, views::cart_line(r.line)); });
}

void set_item(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto quantity = read_quantity(ctx, in, true);
  if (!quantity)
    return;
  ask(self, ctx->app->carts, ctx, actors::set_cart_item{caller(ctx), path_id(ctx), *quantity},
                               [ctx](const auto& r) { ctx->out->json(200, views::cart_line(r.line)); });
}

void remove_item(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->carts, ctx, actors::remove_cart_item{caller(ctx), path_id(ctx)},
                               [ctx](const auto&) { ctx->out->no_content(); });
}

void clear(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->carts, ctx, actors::clear_cart{caller(ctx)},
                          [ctx](const auto&) { ctx->out->no_content(); });
}

}  // namespace

void add_cart_routes(router& r) {
  r.add(Method::Get, "/api/cart/", access::user, get_cart);
  r.add(Method::Delete, "/api/cart/", access::user, clear);
  r.add(Method::Post, "/api/cart/items/", access::user, add_item);
  r.add(Method::Patch, "/api/cart/items/{id}/", access::user, set_item);
  r.add(Method::Put, "/api/cart/items/{id}/", access::user, set_item);
  r.add(Method::Delete, "/api/cart/items/{id}/", access::user, remove_item);
}

}  // namespace commerce::http
