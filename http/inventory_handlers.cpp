// Inventory sync endpoints (API.md §3.7), staff only: queue an inventory.sync job through the
// job desk; read the last sync's record through the catalog.
#include "actors/catalog_messages.hpp"
#include "actors/job_messages.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

/// The endpoint takes no body: whatever was sent (an empty body or {}) is not read.
void sync(caf::event_based_actor* self, const ctx_ptr& ctx) {
  if (!ctx->app->jobs)
    return ctx->out->problem(actors::problem::unavailable());  // this node runs no job desk
  actors::enqueue_job cmd{actors::job_types::sync_inventory, "{}", ctx->user->id};
  ask(self, ctx->app->jobs, ctx, cmd, [ctx](const auto& r) {
    ctx->out->json(202, views::task_accepted(r.task));
  });
}

void status(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->catalog, ctx, actors::get_inventory_status{},
      [ctx](const auto& r) { ctx->out->json(200, views::inventory_status(r.status)); });
}

}  // namespace

void add_inventory_routes(router& r) {
  r.add(Method::Post, "/api/inventory/sync/", access::staff, sync);
  r.add(Method::Get, "/api/inventory/status/", access::staff, status);
}

}  // namespace commerce::http
