// What every handler does: parse the body, send one message, answer from the reply.
#pragma once

#include "http/front_door.hpp"
#include "http/json.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>

namespace commerce::http {

using ctx_ptr = std::shared_ptr<request_context>;

/// Parses the body into `doc`; on failure answers 400 and returns false.
inline bool parse_body(const ctx_ptr& ctx, rapidjson::Document& doc) {
  if (auto p = json::parse_object(ctx->body, doc)) {
    ctx->out->problem(p);
    return false;
  }
  return true;
}

/// The `{id}` path parameter (the router only matches positive integers).
inline int64_t path_id(const ctx_ptr& ctx, const char* name = "id") { return std::stoll(ctx->params.at(name)); }

/// Sends `msg` to `dest`; answers the reply's problem, or calls `on_ok(reply)`. The reply's
/// type is the one `dest`'s interface gives for `Msg` (a message it does not accept does not
/// compile). An actor that does not answer in time is a 503.
template <class Api, class Msg, class OnOk>
void ask(caf::event_based_actor* self, const Api& dest, const ctx_ptr& ctx, Msg msg, OnOk on_ok,
         std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  using reply = actors::reply_of_t<Api, Msg>;
  self->request(dest, timeout.count() ? timeout : ctx->timeout(), std::move(msg))
    .then(
      [=](reply& r) {
        if (r.error)
          ctx->out->problem(r.error);
        else
          on_ok(r);
      },
      [=](caf::error&) { ctx->out->problem(actors::problem::unavailable()); });
}

/// An Idempotency-Key is 1..255 visible ASCII characters (API.md §4).
inline bool valid_idempotency_key(const std::string& key) {
  return !key.empty() && key.size() <= 255 &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

/// Renders with a fresh writer.
template <class Fn>
std::string render(Fn fn) {
  rapidjson::StringBuffer buf;
  json::writer w{buf};
  fn(w);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace commerce::http
