// Auth and profile endpoints (API.md §3.1): parse -> rate limits -> message to the user
// supervisor -> render.
#include "actors/rate_limiter.hpp"
#include "actors/user_rules.hpp"
#include "http/errors.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

/// Signs the access token (and the refresh token when asked) for `u`.
views::tokens tokens_for(const app_context& app, const actors::user_view& u, bool with_refresh) {
  auto now = unix_now();
  const auto& s = app.settings;
  views::tokens t;
  t.access = app.jwt.sign(app.jwt.claims_for(u.id, u.token_version, "access", s.access_token_ttl_seconds, now));
  if (with_refresh)
    t.refresh = app.jwt.sign(app.jwt.claims_for(u.id, u.token_version, "refresh", s.refresh_token_ttl_seconds, now));
  t.expires_in = s.access_token_ttl_seconds;
  return t;
}

std::string render_session(const app_context& app, const actors::user_view& u, const char* detail = nullptr) {
  return views::session(u, tokens_for(app, u, true), detail);
}

/// A 503 here is a busy crypto pool or a backing service: worth retrying in a second.
void answer_problem(const ctx_ptr& ctx, const actors::problem& p, int status = 0) {
  if (status_for(p.code) == 503)
    ctx->out->problem(p, status, {{"Retry-After", "1"}});
  else
    ctx->out->problem(p, status);
}

/// Sends a user command and answers with `render(user)` at `status`, or the problem.
template <class Command, class Render>
void ask_users(caf::event_based_actor* self, const ctx_ptr& ctx, Command cmd, int status, Render render) {
  self->request(ctx->app->users, ctx->timeout(), std::move(cmd))
    .then(
      [=](actors::user_reply& r) {
        if (r.error)
          answer_problem(ctx, r.error);
        else
          ctx->out->json(status, render(r.user));
      },
      [=](caf::error&) { answer_problem(ctx, actors::problem::unavailable()); });
}

/// Runs `next()` if the client's address and `account` ("email:..." or "user:..."; empty: none)
/// both have a token left; otherwise answers 429 rate_limited with Retry-After.
template <class Next>
void within_rate_limits(caf::event_based_actor* self, const ctx_ptr& ctx, const std::string& account, Next next) {
  const auto& s = ctx->app->settings;
  actors::rate_check check;
  check.keys.push_back({"auth:address:" + ctx->client_ip,
                        {static_cast<double>(s.auth_address_rate_per_minute), static_cast<double>(s.auth_address_burst)}});
  if (!account.empty())
    check.keys.push_back({"auth:account:" + account, {static_cast<double>(s.auth_account_rate_per_minute),
                                                      static_cast<double>(s.auth_account_burst)}});
  self->request(ctx->app->limiter, ctx->timeout(), std::move(check))
    .then(
      [=](actors::rate_verdict& v) mutable {
        if (v.allowed())
          next();
        else {
          if (ctx->app->metrics)
            ctx->app->metrics->rate_limited();
          ctx->out->problem(actors::problem::of(error_code::rate_limited, "too many attempts, retry later"), 0,
                            {{"Retry-After", std::to_string(v.retry_after_seconds)}});
        }
      },
      [=](caf::error&) { answer_problem(ctx, actors::problem::unavailable()); });
}

std::string email_account(const std::string& email) { return "email:" + actors::rules::normalize_email(email); }
std::string user_account(int64_t id) { return "user:" + std::to_string(id); }

void register_user(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::register_user cmd;
  auto email = in.string("email", true);
  auto password = in.string("password", true);
  auto first = in.string("first_name", false);
  auto last = in.string("last_name", false);
  auto phone = in.string_or_null("phone");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  cmd.email = *email;
  cmd.password = *password;
  cmd.first_name = first.value_or("");
  cmd.last_name = last.value_or("");
  cmd.phone = phone.value;
  cmd.client = self->address();
  within_rate_limits(self, ctx, email_account(cmd.email), [=] {
    ask_users(self, ctx, cmd, 201, [ctx](const actors::user_view& u) { return render_session(*ctx->app, u); });
  });
}

void login(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto email = in.string("email", true);
  auto password = in.string("password", true);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  actors::login_user cmd{*email, *password, 0, self->address()};
  within_rate_limits(self, ctx, email_account(cmd.email), [=] {
    ask_users(self, ctx, cmd, 200, [ctx](const actors::user_view& u) { return render_session(*ctx->app, u); });
  });
}

void refresh(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto token = in.string("refresh", true);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  auto claims = ctx->app->jwt.verify(*token, "refresh", unix_now());
  within_rate_limits(self, ctx, claims ? user_account(claims->user_id) : "", [=] {
    if (!claims)
      return ctx->out->problem(actors::problem::invalid_token("refresh token is invalid or expired"));
    ask_users(self, ctx, actors::authenticate{claims->user_id, claims->version}, 200, [ctx](const actors::user_view& u) {
      return views::token_pair(tokens_for(*ctx->app, u, false));
    });
  });
}

void verify_email(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto token = in.string("token", true);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  // A verification token names no account until it is looked up: the address is the limit.
  auto cmd = actors::verify_email{*token};
  within_rate_limits(self, ctx, "", [=] {
    self->request(ctx->app->users, ctx->timeout(), cmd)
      .then(
        [=](actors::user_reply& r) {
          if (r.error.code == error_code::invalid_token)  // here a bad token is bad input, not bad credentials
            ctx->out->problem(r.error, 400);
          else if (r.error)
            answer_problem(ctx, r.error);
          else
            ctx->out->json(200, R"({"email_verified":true})");
        },
        [=](caf::error&) { answer_problem(ctx, actors::problem::unavailable()); });
  });
}

void change_password(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto old_password = in.string("old_password", true);
  auto new_password = in.string("new_password", true);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  actors::change_password cmd{{ctx->claims->user_id, ctx->claims->version}, *old_password, *new_password,
                              self->address()};
  within_rate_limits(self, ctx, user_account(cmd.who.user_id), [=] {
    ask_users(self, ctx, cmd, 200,
              [ctx](const actors::user_view& u) { return render_session(*ctx->app, u, "password changed"); });
  });
}

void get_profile(caf::event_based_actor*, const ctx_ptr& ctx) { ctx->out->json(200, views::user(*ctx->user)); }

void update_profile(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::update_profile cmd;
  cmd.who = {ctx->claims->user_id, ctx->claims->version};
  cmd.first_name = in.string("first_name", false);
  cmd.last_name = in.string("last_name", false);
  auto phone = in.string_or_null("phone");
  if (!in.ok())
    return ctx->out->problem(in.problem());
  cmd.phone_given = phone.present;
  cmd.phone = phone.value;
  ask_users(self, ctx, std::move(cmd), 200, views::user);
}

}  // namespace

void add_auth_routes(router& r) {
  r.add(Method::Post, "/api/auth/register/", access::credentials, register_user);
  r.add(Method::Post, "/api/auth/login/", access::credentials, login);
  r.add(Method::Post, "/api/auth/token/refresh/", access::credentials, refresh);
  r.add(Method::Post, "/api/auth/verify-email/", access::anyone, verify_email);
  r.add(Method::Post, "/api/auth/change-password/", access::user, change_password);
  r.add(Method::Get, "/api/users/profile/", access::user, get_profile);
  r.add(Method::Put, "/api/users/profile/", access::user, update_profile);
  r.add(Method::Patch, "/api/users/profile/", access::user, update_profile);
}

}  // namespace commerce::http
