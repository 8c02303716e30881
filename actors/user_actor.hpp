// One user's actor: serialises every operation on that user and keeps the user's record in
// memory between them. Internal to the user domain: only the supervisor spawns it.
#pragma once

#include "actors/problem.hpp"
#include "actors/user_supervisor.hpp"
#include "persistence/user_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

#include <optional>

namespace commerce::actors {

struct user_state {
  static inline const char* name = "user";
  int64_t id = 0;
  std::optional<persistence::user_record> record;  ///< empty until activated
};

/// The crypto pool's answer during a password change: the old password checked, the new one
/// validated and hashed.
struct password_check {
  problem error;
  std::string new_hash;
};

caf::behavior user_actor(caf::stateful_actor<user_state>* self, caf::actor supervisor, int64_t id,
                         user_domain_deps deps);

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::password_check)
