// The user domain's message protocol: what the front door (and tests) may send to the user
// supervisor, and what comes back. Every command is routed by user id to the user's actor,
// except register and login, which the supervisor resolves first. Messages stay inside the
// process (scale-out shares PostgreSQL, not actors), so they are whitelisted rather than
// given serialisers.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/user_repository.hpp"

#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace commerce::actors {

/// What any client may see of a user: never the password hash.
struct user_view {
  int64_t id = 0;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> phone;
  bool is_staff = false;
  bool email_verified = false;
  int32_t token_version = 0;  ///< for token issuance; not rendered
  std::string date_joined;
};

user_view view_of(const persistence::user_record& r);

struct register_user {
  std::string email;
  std::string password;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> phone;
  caf::actor_addr client;  ///< the HTTP request's actor: once it is gone, its hashing job is dropped
};

struct login_user {
  std::string email;
  std::string password;
  int64_t user_id = 0;  ///< resolved from the e-mail by the supervisor
  caf::actor_addr client;  ///< as in register_user
};

/// Checks a token's claims against the live user (active, same token version) and returns the
/// profile. Every authenticated request starts with it.
struct authenticate {
  int64_t user_id = 0;
  int32_t token_version = 0;
};

struct update_profile {
  authenticate who;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  bool phone_given = false;
  std::optional<std::string> phone;  ///< nullopt with phone_given clears it
};

struct change_password {
  authenticate who;
  std::string old_password;
  std::string new_password;
  caf::actor_addr client;  ///< as in register_user
};

struct verify_email {
  std::string token;
};

/// The answer to every user command: `error` set, or `user` valid.
struct user_reply {
  problem error;
  user_view user;
};

/// The user's record changed elsewhere (another node, or SQL): read it again before trusting it.
/// Sent by the change listener to the supervisor (with the user id), and from there to the actor.
using stale_atom = caf::atom_constant<caf::atom("stale")>;

/// The user supervisor's interface: register and login are resolved by the supervisor first;
/// the rest is served by the user's actor.
using user_api = supervision_api::extend<caf::replies_to<register_user>::with<user_reply>,
                                         caf::replies_to<login_user>::with<user_reply>,
                                         caf::replies_to<verify_email>::with<user_reply>,
                                         caf::replies_to<authenticate>::with<user_reply>,
                                         caf::replies_to<update_profile>::with<user_reply>,
                                         caf::replies_to<change_password>::with<user_reply>,
                                         caf::reacts_to<stale_atom, int64_t>>;


}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::user_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::register_user)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::login_user)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::authenticate)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::update_profile)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::change_password)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::verify_email)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::user_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::user_record)
