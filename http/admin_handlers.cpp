// The admin API (/admin/api/..., staff only) and the console page (/admin/). Handlers only ask
// actors: the supervisors for their children (entity_registry's bookkeeping), the entity actors
// for a probe (mailbox size and state, from inside themselves), the integration actors for their
// gateways, the admin desk for jobs and the audit. Every action is audited, refused ones too.
#include "actors/admin_messages.hpp"
#include "actors/gateway_messages.hpp"
#include "http/admin_console.hpp"
#include "http/handler_support.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <ctime>

namespace commerce::http {

namespace {

using Pistache::Http::Method;
using json::object_writer;
using json::render;


std::string iso_of_ms(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(unix_ms % 1000));
  return out;
}

/// The supervisors in the order the console lists them; `kind` is their children's kind.
struct supervisor_ref {
  const char* name;
  const char* kind;
  actors::supervision_api handle;
};

std::vector<supervisor_ref> supervisors_of(const app_context& app) {
  return {{"users", "user", app.users},
          {"products", "product", app.catalog},
          {"carts", "cart", app.carts},
          {"orders", "order", app.orders}};
}

void write_supervisor(json::writer& w, const char* name, const actors::supervisor_summary& s) {
  object_writer f{w};
  f("name", name);
  f("kind", s.kind);
  f("active", s.stats.active);
  f("activations", s.stats.activations);
  f("passivations", s.stats.passivations);
  f("crashes", s.stats.crashes);
  f("restarts_in_window", s.stats.restarts_in_window);
  f("mailbox_size", s.stats.mailbox_size);
  f("max_restarts", s.max_restarts);
  f("window_seconds", s.window_seconds);
  f("restart_budget", s.restart_budget);
}

/// A child with what a probe found (nullopt: not probed, or it did not answer in time).
struct child_view {
  std::string supervisor;
  actors::child_summary child;
  bool probed = false;
  std::optional<actors::entity_probe> probe;
};

void write_child(json::writer& w, const child_view& v) {
  object_writer f{w};
  const auto& c = v.child;
  f("id", static_cast<uint64_t>(c.actor_id));
  f("kind", c.kind);
  f("supervisor", v.supervisor);
  f("entity_id", c.entity_id);
  f("messages_routed", c.messages_routed);
  f("activated_at", iso_of_ms(c.activated_at_ms));
  f("last_activity_at", iso_of_ms(c.last_activity_ms));
  f("restarts", c.restarts);
  if (v.probe) {
    f("mailbox_size", v.probe->mailbox_size);
    f("state", v.probe->state);
  } else {
    f.key("mailbox_size").Null();
    f("state", v.probed ? std::optional<std::string>{"busy: did not answer the probe in time"} : std::nullopt);
  }
}

/// Probes every child in `views` at once (inspect_atom, answered from inside each child), then
/// calls `done`. A child busy on a long database call answers late: it is shown without.
void probe_all(caf::event_based_actor* self, std::shared_ptr<std::vector<child_view>> views,
               std::function<void()> done) {
  auto left = std::make_shared<size_t>(views->size());
  if (*left == 0) {
    done();
    return;
  }
  for (size_t i = 0; i < views->size(); ++i) {
    (*views)[i].probed = true;
    auto finish_one = [=] {
      if (--*left == 0)
        done();
    };
    self->request((*views)[i].child.handle, std::chrono::milliseconds(500), actors::inspect_atom::value)
      .then([=](actors::entity_probe& p) {
              (*views)[i].probe = p;
              finish_one();
            },
            [=](caf::error&) { finish_one(); });
  }
}

// ---- GET /admin/api/tree ----------------------------------------------------------------------

struct tree_view {
  std::vector<std::pair<const char*, actors::supervisor_summary>> supervisors;
  std::vector<actors::gateway_status> gateways;
};

void write_gateway(json::writer& w, const actors::gateway_status& g) {
  object_writer f{w};
  f("kind", g.kind);
  f("provider", g.provider);
  bool open = std::any_of(g.breakers.begin(), g.breakers.end(), [](const auto& b) { return b.open; });
  f("breaker", open ? "open" : "closed");
  f.key("breakers").StartArray();
  for (const auto& b : g.breakers) {
    object_writer bf{w};
    bf("origin", b.origin);
    bf("state", b.open ? "open" : "closed");
    bf("consecutive_failures", static_cast<int64_t>(b.consecutive_failures));
  }
  w.EndArray();
  f("calls", g.calls.calls);
  f("errors", g.calls.errors);
  f.key("latency_ms");
  {
    object_writer lf{w};
    lf("p50", g.calls.p50_ms);
    lf("p90", g.calls.p90_ms);
    lf("p99", g.calls.p99_ms);
    lf("window", static_cast<int64_t>(integrations::gateway_call_stats::latency_window));
  }
  f("last_error", g.calls.last_error.empty() ? std::nullopt : std::optional<std::string>{g.calls.last_error});
  f("last_error_at", g.calls.last_error_at_ms ? std::optional<std::string>{iso_of_ms(g.calls.last_error_at_ms)}
                                              : std::nullopt);
}

/// Asks every gateway for its status, in order, then calls `done`.
void collect_gateways(caf::event_based_actor* self, const ctx_ptr& ctx,
                      std::shared_ptr<std::vector<actors::gateway_status>> out, size_t next, std::function<void()> done) {
  const auto& gateways = ctx->app->gateways;
  if (next == gateways.size()) {
    done();
    return;
  }
  self->request(gateways[next], ctx->timeout(), actors::stats_atom::value)
    .then(
      [=](actors::gateway_status& g) {
        out->push_back(g);
        collect_gateways(self, ctx, out, next + 1, done);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void tree(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto v = std::make_shared<tree_view>();
  auto refs = supervisors_of(*ctx->app);
  auto left = std::make_shared<size_t>(refs.size());
  v->supervisors.resize(refs.size());
  auto gateways = std::make_shared<std::vector<actors::gateway_status>>();
  auto render_tree = [=] {
    const auto& app = *ctx->app;
    ctx->out->json(200, render([&](json::writer& w) {
      object_writer f{w};
      f("node_time", iso_of_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count()));
      f.key("supervisors").StartArray();
      for (const auto& [name, s] : v->supervisors)
        write_supervisor(w, name, s);
      w.EndArray();
      f.key("gateways").StartArray();
      for (const auto& g : *gateways)
        write_gateway(w, g);
      w.EndArray();
      f.key("requests");
      {
        object_writer rf{w};
        // Per-request actors live for one request each: counted, not listed.
        rf("in_flight", app.in_flight.load());
        rf("total", app.requests_total.load());
        rf("open_connections", app.open_connections.load());
      }
      f("running_actors", static_cast<uint64_t>(app.system.registry().running()));
    }));
  };
  for (size_t i = 0; i < refs.size(); ++i) {
    auto name = refs[i].name;
    self->request(refs[i].handle, ctx->timeout(), actors::list_children{0, 0})
      .then(
        [=](actors::children_page& page) {
          v->supervisors[i] = {name, page.supervisor};
          if (--*left == 0)
            collect_gateways(self, ctx, gateways, 0, render_tree);
        },
        [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
  }
}

// ---- GET /admin/api/actors ---------------------------------------------------------------------

struct list_query {
  std::vector<supervisor_ref> order;  ///< the supervisors still to read, first first
  int64_t after = 0;                  ///< in the first of them
  int64_t limit = 100;
  bool probe = false;
};

constexpr int64_t max_page = 1000;

/// Parses kind, supervisor, cursor, limit and probe; answers 400 and returns nullopt when bad.
std::optional<list_query> read_list_query(const ctx_ptr& ctx) {
  list_query q;
  auto all = supervisors_of(*ctx->app);
  auto param = [&](const char* name) -> std::optional<std::string> {
    auto it = ctx->query.find(name);
    return it == ctx->query.end() ? std::nullopt : std::optional<std::string>{it->second};
  };
  auto bad = [&](const char* field, const std::string& why) {
    ctx->out->problem(actors::problem::validation({{field, {why}}}));
    return std::nullopt;
  };
  std::optional<std::string> only;
  if (auto k = param("kind")) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return *k == s.kind; });
    if (it == all.end())
      return bad("kind", "must be one of user, product, cart, order");
    only = it->kind;
  }
  if (auto s = param("supervisor")) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& r) { return *s == r.name; });
    if (it == all.end())
      return bad("supervisor", "must be one of users, products, carts, orders");
    if (only && *only != it->kind)
      return bad("supervisor", "does not supervise kind " + *only);
    only = it->kind;
  }
  if (auto l = param("limit")) {
    char* end = nullptr;
    errno = 0;
    auto n = std::strtoll(l->c_str(), &end, 10);
    if (l->empty() || *end != '\0' || errno || n < 1 || n > max_page)
      return bad("limit", "must be an integer from 1 to " + std::to_string(max_page));
    q.limit = n;
  }
  if (auto p = param("probe")) {
    if (*p != "0" && *p != "1" && *p != "true" && *p != "false")
      return bad("probe", "must be 1 or 0");
    q.probe = *p == "1" || *p == "true";
  }
  std::string start_kind = only.value_or(all.front().kind);
  if (auto c = param("cursor")) {
    // "<kind>:<last entity id>", as next_cursor gave it.
    auto colon = c->find(':');
    char* end = nullptr;
    errno = 0;
    auto after = colon == std::string::npos ? -1 : std::strtoll(c->c_str() + colon + 1, &end, 10);
    auto kind = colon == std::string::npos ? std::string{} : c->substr(0, colon);
    auto known = std::find_if(all.begin(), all.end(), [&](const auto& s) { return kind == s.kind; });
    if (known == all.end() || after < 0 || errno || colon + 1 == c->size() || *end != '\0' || (only && *only != kind))
      return bad("cursor", "is not a cursor this listing gave");
    start_kind = kind;
    q.after = after;
  }
  bool started = false;
  for (const auto& s : all) {
    started = started || s.kind == start_kind;
    if (started && (!only || *only == s.kind))
      q.order.push_back(s);
  }
  return q;
}

struct listing {
  list_query q;
  std::vector<child_view> children;
  std::optional<std::string> next_cursor;
};

void render_listing(const ctx_ptr& ctx, const listing& l) {
  ctx->out->json(200, render([&](json::writer& w) {
    object_writer f{w};
    f.key("actors").StartArray();
    for (const auto& c : l.children)
      write_child(w, c);
    w.EndArray();
    f("count", static_cast<int64_t>(l.children.size()));
    f("next_cursor", l.next_cursor);
    f("probed", l.q.probe);
  }));
}

/// Reads pages from the supervisors in order until the page is full or none is left.
void read_pages(caf::event_based_actor* self, const ctx_ptr& ctx, std::shared_ptr<listing> l) {
  auto& q = l->q;
  auto want = q.limit - static_cast<int64_t>(l->children.size());
  if (q.order.empty() || want == 0) {
    auto finish = [=] { render_listing(ctx, *l); };
    if (!l->q.probe) {
      finish();
      return;
    }
    auto views = std::make_shared<std::vector<child_view>>(std::move(l->children));
    probe_all(self, views, [=] {
      l->children = std::move(*views);
      finish();
    });
    return;
  }
  auto sup = q.order.front();
  self->request(sup.handle, ctx->timeout(), actors::list_children{q.after, want})
    .then(
      [=](actors::children_page& page) {
        for (auto& c : page.children)
          l->children.push_back(child_view{sup.name, std::move(c), false, std::nullopt});
        auto& q = l->q;
        if (page.more) {
          // The page is full here: the next one starts after the last child listed.
          l->next_cursor = std::string{sup.kind} + ":" + std::to_string(l->children.back().child.entity_id);
          q.order.clear();
        } else {
          q.order.erase(q.order.begin());
          q.after = 0;
          if (static_cast<int64_t>(l->children.size()) == q.limit && !q.order.empty())
            l->next_cursor = std::string{q.order.front().kind} + ":0";
        }
        read_pages(self, ctx, l);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void list_actors(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto q = read_list_query(ctx);
  if (!q)
    return;
  auto l = std::make_shared<listing>();
  l->q = std::move(*q);
  read_pages(self, ctx, l);
}

// ---- one actor: GET /admin/api/actors/{id}, POST .../passivate ---------------------------------

/// Asks each supervisor in turn for the child with this CAF id; `found(view)` or a 404.
void find_actor(caf::event_based_actor* self, const ctx_ptr& ctx, uint64_t actor_id, bool passivate,
                std::function<void(std::optional<child_view>)> done, size_t next = 0) {
  auto refs = supervisors_of(*ctx->app);
  if (next == refs.size()) {
    done(std::nullopt);
    return;
  }
  auto sup = refs[next];
  self->request(sup.handle, ctx->timeout(), actors::find_child{actor_id, passivate})
    .then(
      [=](actors::child_lookup& r) {
        if (r.found)
          done(child_view{sup.name, std::move(r.child), false, std::nullopt});
        else
          find_actor(self, ctx, actor_id, passivate, done, next + 1);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void show_actor(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto id = static_cast<uint64_t>(path_id(ctx));
  find_actor(self, ctx, id, false, [=](std::optional<child_view> found) {
    if (!found) {
      ctx->out->problem(actors::problem::not_found("no live actor with this id"));
      return;
    }
    auto views = std::make_shared<std::vector<child_view>>(1, std::move(*found));
    probe_all(self, views, [=] { ctx->out->json(200, render([&](json::writer& w) { write_child(w, views->front()); })); });
  });
}

std::optional<int64_t> staff_id(const ctx_ptr& ctx) {
  return ctx->user ? std::optional<int64_t>{ctx->user->id} : std::nullopt;
}

/// Records the action, then answers `status` with `body` (the action happened either way; an
/// audit the database refused is logged by the desk and answered 503, so it is never silent).
void audited(caf::event_based_actor* self, const ctx_ptr& ctx, std::string action, std::string target,
             std::string outcome, std::string detail, std::function<void()> answer) {
  persistence::audit_entry e;
  e.staff_user_id = staff_id(ctx);
  e.staff_email = ctx->user ? ctx->user->email : "";
  e.action = std::move(action);
  e.target = std::move(target);
  e.outcome = std::move(outcome);
  e.detail = std::move(detail);
  self->request(ctx->app->admin_desk, ctx->timeout(), actors::audit_atom::value, e)
    .then([=](persistence::audit_entry&) { answer(); },
          [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void passivate_actor(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto id = static_cast<uint64_t>(path_id(ctx));
  find_actor(self, ctx, id, true, [=](std::optional<child_view> found) {
    if (!found) {
      audited(self, ctx, "passivate_actor", std::to_string(id), "not_found", "", [=] {
        ctx->out->problem(actors::problem::not_found("no live actor with this id"));
      });
      return;
    }
    auto v = *found;
    audited(self, ctx, "passivate_actor", std::to_string(id), "done", v.child.kind + " " + std::to_string(v.child.entity_id),
            [=] {
              ctx->out->json(200, render([&](json::writer& w) {
                object_writer f{w};
                f("passivated", true);
                f.key("actor");
                write_child(w, v);
              }));
            });
  });
}

// ---- gateways ----------------------------------------------------------------------------------

void list_gateways(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto out = std::make_shared<std::vector<actors::gateway_status>>();
  collect_gateways(self, ctx, out, 0, [=] {
    ctx->out->json(200, render([&](json::writer& w) {
      object_writer f{w};
      f.key("gateways").StartArray();
      for (const auto& g : *out)
        write_gateway(w, g);
      w.EndArray();
    }));
  });
}

constexpr std::array<const char*, 5> gateway_kinds{"payment", "shipping", "email", "sms", "inventory"};

/// Finds the gateway of `kind` (asking each its status), then sends it the breaker command.
void command_breaker(caf::event_based_actor* self, const ctx_ptr& ctx, std::string kind, bool open, size_t next) {
  const auto& gateways = ctx->app->gateways;
  auto action = open ? "trip_breaker" : "reset_breaker";
  if (next == gateways.size()) {
    audited(self, ctx, action, kind, "not_found", "no such gateway on this node", [=] {
      ctx->out->problem(actors::problem::not_found("no " + kind + " gateway is configured"));
    });
    return;
  }
  auto gateway = gateways[next];
  self->request(gateway, ctx->timeout(), actors::stats_atom::value)
    .then(
      [=](actors::gateway_status& g) {
        if (g.kind != kind) {
          command_breaker(self, ctx, kind, open, next + 1);
          return;
        }
        self->request(gateway, ctx->timeout(), actors::breaker_command{open})
          .then(
            [=](actors::gateway_status& after) {
              auto detail = g.provider + ": " + std::to_string(after.breakers_changed) + " breaker(s)";
              audited(self, ctx, action, kind, "done", detail, [=] {
                ctx->out->json(200, render([&](json::writer& w) {
                  object_writer f{w};
                  f("action", open ? "trip" : "reset");
                  f("breakers_changed", static_cast<int64_t>(after.breakers_changed));
                  f.key("gateway");
                  write_gateway(w, after);
                }));
              });
            },
            [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

handler breaker_handler(std::string kind) {
  return [kind](caf::event_based_actor* self, const ctx_ptr& ctx) {
    rapidjson::Document doc;
    if (!parse_body(ctx, doc))
      return;
    auto it = doc.FindMember("action");
    std::string action = it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
    if (action != "trip" && action != "reset") {
      ctx->out->problem(actors::problem::validation({{"action", {"must be \"trip\" or \"reset\""}}}));
      return;
    }
    command_breaker(self, ctx, kind, action == "trip", 0);
  };
}

// ---- jobs --------------------------------------------------------------------------------------

void write_jobs(json::writer& w, const actors::jobs_overview& v) {
  object_writer f{w};
  f("backend", v.backend);
  f("queue_reachable", v.queue_reachable);
  f("queue_error", v.queue_error.empty() ? std::nullopt : std::optional<std::string>{v.queue_error});
  f.key("queue");
  {
    object_writer q{w};
    q("waiting", v.queue.waiting);
    q("running", v.queue.running);
    q("delayed", v.queue.delayed);
    q("dead_letters", v.queue.dead);
    q("depth", v.queue.waiting + v.queue.delayed);
  }
  f.key("pending_by_consumer").StartArray();
  for (const auto& [consumer, n] : v.pending_by_consumer) {
    object_writer c{w};
    c("consumer", consumer);
    c("pending", n);
  }
  w.EndArray();
  f.key("recent_failures").StartArray();
  for (const auto& t : v.recent_failures) {
    object_writer c{w};
    c("task_id", t.id);
    c("type", t.type);
    c("status", t.status);
    c("dead_letter", t.status == "FAILURE");
    c("attempts", t.attempts);
    c("error", t.error);
    c("at", t.updated_at);
  }
  w.EndArray();
  f.key("beat");
  {
    object_writer b{w};
    b("leader", v.beat_leader.empty() ? std::nullopt : std::optional<std::string>{v.beat_leader});
    if (v.beat_local_leads)
      b("this_node_leads", *v.beat_local_leads);
    else
      b.key("this_node_leads").Null();
    b.key("schedule").StartArray();
    for (const auto& e : v.beat) {
      object_writer s{w};
      s("name", e.name);
      s("job_type", e.job_type);
      s("schedule", e.schedule);
      s("last_run_at", e.last_run_at);
      s("next_run_at", e.next_run_at);
    }
    w.EndArray();
  }
  f.key("workers");
  {
    object_writer ws{w};
    ws("on_this_node", v.workers_local);
    ws("succeeded", v.workers.succeeded);
    ws("retried", v.workers.retried);
    ws("failed", v.workers.failed);
  }
}

void jobs(caf::event_based_actor* self, const ctx_ptr& ctx) {
  self->request(ctx->app->admin_desk, ctx->timeout(), actors::jobs_overview_atom::value)
    .then([=](actors::jobs_overview& v) { ctx->out->json(200, render([&](json::writer& w) { write_jobs(w, v); })); },
          [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void retry_job(caf::event_based_actor* self, const ctx_ptr& ctx) {
  auto id = ctx->params.at("id");
  self->request(ctx->app->admin_desk, ctx->timeout(), actors::retry_dead_job{id})
    .then(
      [=](actors::retry_outcome& r) {
        if (!r.found) {
          audited(self, ctx, "retry_job", id, "not_found", "no failed task with this id", [=] {
            ctx->out->problem(actors::problem::not_found("no failed (dead-lettered) task with this id"));
          });
          return;
        }
        audited(self, ctx, "retry_job", id, "done", r.type, [=] {
          ctx->out->json(202, render([&](json::writer& w) {
            object_writer f{w};
            f("task_id", id);
            f("type", r.type);
            f("status", "PENDING");
          }));
        });
      },
      [=](caf::error& e) {
        audited(self, ctx, "retry_job", id, "failed", to_string(e),
                [=] { ctx->out->problem(actors::problem::unavailable()); });
      });
}

// ---- audit -------------------------------------------------------------------------------------

void audit(caf::event_based_actor* self, const ctx_ptr& ctx) {
  int64_t limit = 50;
  if (auto it = ctx->query.find("limit"); it != ctx->query.end()) {
    char* end = nullptr;
    errno = 0;
    limit = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || errno || limit < 1 || limit > 500) {
      ctx->out->problem(actors::problem::validation({{"limit", {"must be an integer from 1 to 500"}}}));
      return;
    }
  }
  self->request(ctx->app->admin_desk, ctx->timeout(), actors::audit_atom::value, limit)
    .then(
      [=](actors::audit_list& entries) {
        ctx->out->json(200, render([&](json::writer& w) {
          object_writer f{w};
          f.key("entries").StartArray();
          for (const auto& e : entries) {
            object_writer a{w};
            a("id", e.id);
            if (e.staff_user_id)
              a("staff_user_id", *e.staff_user_id);
            else
              a.key("staff_user_id").Null();
            a("staff_email", e.staff_email);
            a("action", e.action);
            a("target", e.target);
            a("outcome", e.outcome);
            a("detail", e.detail);
            a("at", e.created_at);
          }
          w.EndArray();
        }));
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

void console_page(caf::event_based_actor*, const ctx_ptr& ctx) {
  // The page holds no data: it asks /admin/api with the token the operator types in.
  ctx->out->text(200, admin_console_html(), "text/html; charset=utf-8",
                  {{"Cache-Control", "no-store"},
                   {"Content-Security-Policy",
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                    "img-src data:"}});
}

}  // namespace

void add_admin_routes(router& r) {
  r.add(Method::Get, "/admin/", access::anyone, console_page);
  r.add(Method::Get, "/admin/api/tree/", access::staff, tree);
  r.add(Method::Get, "/admin/api/actors/", access::staff, list_actors);
  r.add(Method::Get, "/admin/api/actors/{id}/", access::staff, show_actor);
  r.add(Method::Post, "/admin/api/actors/{id}/passivate/", access::staff, passivate_actor);
  r.add(Method::Get, "/admin/api/gateways/", access::staff, list_gateways);
  for (const auto* kind : gateway_kinds)
    r.add(Method::Post, std::string{"/admin/api/gateways/"} + kind + "/breaker/", access::staff, breaker_handler(kind));
  r.add(Method::Get, "/admin/api/jobs/", access::staff, jobs);
  r.add(Method::Post, "/admin/api/jobs/{id:uuid}/retry/", access::staff, retry_job);
  r.add(Method::Get, "/admin/api/audit/", access::staff, audit);
}

}  // namespace commerce::http
