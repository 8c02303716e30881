// What every handler does: parse the body, send one message, answer from the reply.
#pragma once

#include "actors/crypto.hpp"
#include "http/front_door.hpp"
#include "http/json.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <optional>

namespace commerce::http {

using ctx_ptr = std::shared_ptr<request_context>;
using actors::error_code;

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

/// The request's Idempotency-Key and the hash of its canonical body: what the key is claimed
/// with (API.md §4), for a checkout as for a payment or refund.
struct idempotency_key_claim {
  std::string key;
  std::string request_hash;
};

/// False, with the 400 answered, when the request's Idempotency-Key is malformed; otherwise
/// true, `claim` holding the key and the body's hash when the request has a key.
inline bool read_idempotency_key(const ctx_ptr& ctx, const rapidjson::Value& body,
                                 std::optional<idempotency_key_claim>& claim) {
  claim.reset();
  if (!ctx->idempotency_key)
    return true;
  if (!valid_idempotency_key(*ctx->idempotency_key)) {
    ctx->out->problem(actors::problem::validation({{"Idempotency-Key", {"must be 1 to 255 visible ASCII characters"}}}));
    return false;
  }
  claim = idempotency_key_claim{*ctx->idempotency_key, actors::crypto::sha256_hex(json::canonical(body))};
  return true;
}

}  // namespace commerce::http
