// Task status (API.md §3.7): the task's owner or staff read it; anyone else, like an unknown
// or malformed id, gets 404 (the router matches UUIDs only).
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

void task_status(caf::event_based_actor* self, const ctx_ptr& ctx) {
  actors::get_task q{ctx->params.at("task_id"), {ctx->user->id, ctx->user->is_staff}};
  ask(self, ctx->app->jobs, ctx, q, [=](const auto& r) { ctx->out->json(200, views::task_status(r.task)); });
}

}  // namespace

void add_task_routes(router& r) { r.add(Method::Get, "/api/tasks/{task_id:uuid}/status/", access::user, task_status); }

}  // namespace commerce::http
