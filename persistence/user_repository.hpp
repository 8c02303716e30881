// SQL for users, e-mail verification tokens and the e-mail outbox. Every function runs on
// a caller-provided connection (a pool lease on a blocking worker thread).
#pragma once

#include "persistence/pg.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct user_record {
  int64_t id = 0;
  std::string email;
  std::string password_hash;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> phone;
  bool is_staff = false;
  bool is_active = true;
  bool email_verified = false;
  int32_t token_version = 1;
  std::string date_joined;  ///< ISO-8601 UTC
};

struct new_user {
  std::string email;  ///< already normalised (trimmed, lower-case)
  std::string password_hash;
  std::string first_name;
  std::string last_name;
  std::optional<std::string> phone;
  std::string verification_token_hash;  ///< SHA-256 hex of the token mailed to the user
  int verification_ttl_hours = 48;
};

/// Thrown by insert_user when the e-mail is taken (case-insensitively).
struct email_taken : std::runtime_error {
  email_taken() : std::runtime_error("email already registered") {}
};

std::optional<user_record> find_user(pg::connection& c, int64_t id);
std::optional<int64_t> find_user_id_by_email(pg::connection& c, const std::string& email);

/// Inserts the user, their verification token and the verify_email outbox row in one transaction.
user_record insert_user(pg::connection& c, const new_user& u, const std::string& verification_token);

struct profile_change {
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  bool phone_given = false;
  std::optional<std::string> phone;  ///< nullopt with phone_given clears the phone
};
user_record update_profile(pg::connection& c, int64_t id, const profile_change& change);

/// Stores the new hash and bumps token_version, which revokes every earlier token; only while the
/// token version is still `expected_version` (otherwise nothing changes and the result is empty:
/// another change, on any node, came first).
std::optional<user_record> change_password(pg::connection& c, int64_t id, const std::string& new_hash,
                                           int32_t expected_version);

/// The user a still-usable verification token belongs to, without consuming it.
std::optional<int64_t> verification_token_owner(pg::connection& c, const std::string& token_hash);
/// Marks the token used and the e-mail verified in one transaction; false if it was not usable.
bool consume_verification_token(pg::connection& c, int64_t user_id, const std::string& token_hash);

/// Subscribes `c` (a connection of its own, outside the pool) to the user_changed channel that
/// migration 0007's trigger notifies when a password, token version, active flag or staff role
/// changes, or a user is deleted.
void listen_for_user_changes(pg::connection& c);
/// Waits up to `limit` for notifications on a listening connection and returns the user ids
/// they name (possibly none). Throws pg::error when the connection is lost.
std::vector<int64_t> await_user_changes(pg::connection& c, std::chrono::milliseconds limit);

/// Start-up bootstrap of ADMIN_EMAIL: creates the user or resets its password, always staff.
int64_t upsert_staff_user(pg::connection& c, const std::string& email, const std::string& password_hash);

}  // namespace commerce::persistence
