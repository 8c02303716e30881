// One user's actor: serialises every operation on that user and keeps the user's record in
// memory between them. Internal to the user domain: only the supervisor spawns it.
#pragma once

#include "actors/problem.hpp"
#include "actors/user_supervisor.hpp"
#include "persistence/user_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>
#include <optional>

namespace commerce::actors {

struct user_state {
  static inline const char* name = "user";
  int64_t id = 0;
  std::optional<persistence::user_record> record;  ///< empty until activated
  std::chrono::steady_clock::time_point loaded_at;  ///< when `record` was read; older than cache_ttl: read again
};

/// The crypto pool's answer during a password change: the old password checked, the new one
/// validated and hashed.
struct password_check {
  problem error;
  std::string new_hash;
};

/// Runs `fn` (Argon2id) on the crypto pool and continues with `on_result(R&)`, or with
/// `on_failure(problem)`: at once when the pool's queue is full (service_unavailable, "busy"),
/// later when the job fails, times out or was dropped because `client` gave up. Never `await`:
/// the caller keeps serving its other messages while the hash is computed.
template <class R, class Self, class Fn, class OnResult, class OnFailure>
void on_crypto_pool(Self* self, const user_domain_deps& d, const caf::actor_addr& client, Fn fn, OnResult on_result,
                    OnFailure on_failure) {
  auto job = admitted_cpu_job(d.crypto_gate.get(), std::move(fn), client,
                              std::chrono::steady_clock::now() + d.call_timeout);
  if (!job) {
    on_failure(problem::of(error_code::service_unavailable, "too many password checks in progress, retry shortly"));
    return;
  }
  self->request(d.crypto_workers, d.call_timeout, std::move(*job))
    .then([=](R& r) mutable { on_result(r); }, [=](caf::error&) mutable { on_failure(problem::unavailable()); });
}

caf::behavior user_actor(caf::stateful_actor<user_state>* self, caf::actor supervisor, int64_t id,
                         user_domain_deps deps);

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::password_check)
