// Catalog and inventory endpoints (API.md §3.2): parse -> message to the catalog supervisor -> render.
#include "actors/catalog_messages.hpp"
#include "http/handler_support.hpp"
#include "http/pagination.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

/// Reads the writable fields; `creating` makes name, price and sku required.
std::optional<persistence::product_fields> read_fields(const ctx_ptr& ctx, bool creating) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return std::nullopt;
  json::reader in{doc};
  persistence::product_fields f;
  f.name = in.string("name", creating);
  f.description = in.string("description", false);
  f.price_minor = in.money("price", creating);
  f.sku = in.string("sku", creating);
  if (auto q = in.integer("quantity", false)) {
    if (*q < 0 || *q > 1'000'000)
      in.add_error("quantity", "must be between 0 and 1000000");
    else
      f.quantity = static_cast<int32_t>(*q);
  }
  if (!in.ok()) {
    ctx->out->problem(in.problem());
    return std::nullopt;
  }
  return f;
}

void create(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto fields = read_fields(ctx, true);
  if (!fields)
    return;
  ask(self, ctx->app->catalog, ctx, actors::create_product{*fields},
                             [ctx](const auto& r) { ctx->out->json(201, views::product(r.product)); });
}

void list(caf::event_based_actor* self, const ctx_ptr& ctx) {
  actors::field_errors bad;
  auto page = read_page(ctx->query, bad);
  actors::list_products cmd;
  cmd.query.limit = page.size;
  cmd.query.offset = page.offset();
  if (auto it = ctx->query.find("search"); it != ctx->query.end())
    cmd.query.search = it->second;
  for (auto [name, target] : {std::pair{"min_price", &cmd.query.min_price_minor},
                              std::pair{"max_price", &cmd.query.max_price_minor}}) {
    if (auto it = ctx->query.find(name); it != ctx->query.end()) {
      if (auto minor = json::parse_money_text(it->second); minor && *minor >= 0)
        *target = minor;
      else
        bad[name].push_back("must be a non-negative amount with at most 2 decimals");
    }
  }
  if (auto it = ctx->query.find("ordering"); it != ctx->query.end()) {
    static const std::vector<std::string> allowed = {"id",   "-id",   "price",      "-price",
                                                     "name", "-name", "created_at", "-created_at"};
    if (std::find(allowed.begin(), allowed.end(), it->second) == allowed.end())
      bad["ordering"].push_back("must be one of id, price, name, created_at, optionally prefixed with -");
    else
      cmd.query.order_by = it->second;
  }
  if (!bad.empty())
    return ctx->out->problem(actors::problem::validation(std::move(bad), "invalid query parameters"));
  ask(self, ctx->app->catalog, ctx, cmd, [ctx, page](const auto& r) {
    // Beyond the exact-count limit the count is an estimate (README, docs/openapi.json); the body keeps its shape.
    header_list estimated;
    if (r.page->count_is_estimate)
      estimated.emplace_back("X-Count-Estimated", "true");
    ctx->out->json(200, views::product_page(*ctx, page, *r.page), estimated);
  });
}

void get(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->catalog, ctx, actors::get_product{path_id(ctx)},
                             [ctx](const auto& r) { ctx->out->json(200, views::product(r.product)); });
}

void update(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto fields = read_fields(ctx, false);
  if (!fields)
    return;
  ask(self, ctx->app->catalog, ctx, actors::update_product{path_id(ctx), *fields},
                             [ctx](const auto& r) { ctx->out->json(200, views::product(r.product)); });
}

void archive(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->catalog, ctx, actors::archive_product{path_id(ctx)},
                             [ctx](const auto&) { ctx->out->no_content(); });
}

void inventory(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto id = path_id(ctx);
  auto quantity = in.integer("quantity", true);
  auto operation = in.string("operation", false).value_or("sale");
  if (auto product_id = in.integer("product_id", false); product_id && *product_id != id)
    in.add_error("product_id", "must equal the product in the path");
  actors::change_stock cmd{id, persistence::stock_operation::sale, 0};
  if (operation == "restock")
    cmd.operation = persistence::stock_operation::restock;
  else if (operation == "set")
    cmd.operation = persistence::stock_operation::set;
  else if (operation != "sale")
    in.add_error("operation", "must be sale, restock or set");
  if (quantity && (*quantity < 0 || *quantity > 1'000'000))
    in.add_error("quantity", "must be between 0 and 1000000");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  cmd.quantity = static_cast<int32_t>(*quantity);
  ask(self, ctx->app->catalog, ctx, cmd, [ctx, operation](const auto& r) {
    ctx->out->json(200, views::stock_change(r.product, operation));
  });
}

}  // namespace

void add_catalog_routes(router& r) {
  r.add(Method::Get, "/api/products/", access::anyone, list);
  r.add(Method::Post, "/api/products/", access::staff, create);
  r.add(Method::Get, "/api/products/{id}/", access::anyone, get);
  r.add(Method::Put, "/api/products/{id}/", access::staff, update);
  r.add(Method::Patch, "/api/products/{id}/", access::staff, update);
  r.add(Method::Delete, "/api/products/{id}/", access::staff, archive);
  r.add(Method::Put, "/api/products/{id}/inventory/", access::staff, inventory);
}

}  // namespace commerce::http
