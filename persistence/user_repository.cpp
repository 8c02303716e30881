#include "persistence/user_repository.hpp"

#include <sys/select.h>

#include <cerrno>
#include <charconv>
#include <memory>

namespace commerce::persistence {

namespace {

constexpr const char* user_columns =
  "id, email, password_hash, first_name, last_name, phone, is_staff, is_active, email_verified, "
  "token_version, api_time(date_joined)";

user_record read_user(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  user_record u;
  u.id = in.int64();
  u.email = in.str();
  u.password_hash = in.str();
  u.first_name = in.str();
  u.last_name = in.str();
  u.phone = in.opt_str();
  u.is_staff = in.boolean();
  u.is_active = in.boolean();
  u.email_verified = in.boolean();
  u.token_version = in.int32();
  u.date_joined = in.str();
  return u;
}

std::string returning() { return std::string{" RETURNING "} + user_columns; }

}  // namespace

std::optional<user_record> find_user(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + user_columns + " FROM users WHERE id = $1::bigint",
                  {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  return read_user(r);
}

std::optional<int64_t> find_user_id_by_email(pg::connection& c, const std::string& email) {
  auto r = c.exec("SELECT id FROM users WHERE lower(email) = lower($1)", {email});
  if (r.empty())
    return std::nullopt;
  return r.row().int64();
}

user_record insert_user(pg::connection& c, const new_user& u, const std::string& verification_token) {
  pg::transaction tx{c};
  pg::result inserted{nullptr};
  try {
    inserted = tx.exec("INSERT INTO users (email, password_hash, first_name, last_name, phone) "
                       "VALUES ($1, $2, $3, $4, $5)" + returning(),
                       {u.email, u.password_hash, u.first_name, u.last_name, u.phone});
  } catch (const pg::error& e) {
    if (e.unique_violation())
      throw email_taken{};
    throw;
  }
  auto user = read_user(inserted);
  tx.exec("INSERT INTO email_verification_tokens (token_hash, user_id, expires_at) "
          "VALUES ($1, $2::bigint, now() + make_interval(hours => $3::int))",
          {u.verification_token_hash, pg::to_param(user.id), std::to_string(u.verification_ttl_hours)});
  tx.exec("INSERT INTO email_outbox (user_id, recipient, template, payload) "
          "VALUES ($1::bigint, $2, 'verify_email', jsonb_build_object('token', $3::text))",
          {pg::to_param(user.id), user.email, verification_token});
  tx.commit();
  return user;
}

user_record update_profile(pg::connection& c, int64_t id, const profile_change& change) {
  auto r = c.exec(std::string{"UPDATE users SET "
                              "first_name = COALESCE($2, first_name), "
                              "last_name = COALESCE($3, last_name), "
                              "phone = CASE WHEN $4::boolean THEN $5 ELSE phone END, "
                              "updated_at = now() "
                              "WHERE id = $1::bigint"} +
                    returning(),
                  {pg::to_param(id), change.first_name, change.last_name, pg::to_param(change.phone_given),
                   change.phone});
  if (r.empty())
    throw pg::error("user " + std::to_string(id) + " vanished", "");
  return read_user(r);
}

std::optional<user_record> change_password(pg::connection& c, int64_t id, const std::string& new_hash,
                                           int32_t expected_version) {
  auto r = c.exec(std::string{"UPDATE users SET password_hash = $2, token_version = token_version + 1, "
                              "updated_at = now() WHERE id = $1::bigint AND token_version = $3::int"} +
                    returning(),
                  {pg::to_param(id), new_hash, std::to_string(expected_version)});
  if (r.empty())
    return std::nullopt;
  return read_user(r);
}

std::optional<int64_t> verification_token_owner(pg::connection& c, const std::string& token_hash) {
  auto r = c.exec("SELECT user_id FROM email_verification_tokens "
                  "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()",
                  {token_hash});
  if (r.empty())
    return std::nullopt;
  return r.row().int64();
}

bool consume_verification_token(pg::connection& c, int64_t user_id, const std::string& token_hash) {
  pg::transaction tx{c};
  auto used = tx.exec("UPDATE email_verification_tokens SET used_at = now() "
                      "WHERE token_hash = $1 AND user_id = $2::bigint AND used_at IS NULL AND expires_at > now()",
                      {token_hash, pg::to_param(user_id)});
  if (used.affected() != 1)
    return false;
  tx.exec("UPDATE users SET email_verified = true, updated_at = now() WHERE id = $1::bigint",
          {pg::to_param(user_id)});
  tx.commit();
  return true;
}

void listen_for_user_changes(pg::connection& c) { c.exec("LISTEN user_changed"); }

std::vector<int64_t> await_user_changes(pg::connection& c, std::chrono::milliseconds limit) {
  PGconn* native = c.native();
  int fd = PQsocket(native);
  if (fd < 0)
    throw pg::error("the listening connection is closed", "");
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(fd, &readable);
  timeval tv{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  if (select(fd + 1, &readable, nullptr, nullptr, &tv) < 0 && errno != EINTR)
    throw pg::error("select on the listening connection failed", "");
  if (!PQconsumeInput(native) || PQstatus(native) != CONNECTION_OK)
    throw pg::error(std::string{"the listening connection was lost: "} + PQerrorMessage(native), "");
  std::vector<int64_t> ids;
  while (auto* raw = PQnotifies(native)) {
    std::unique_ptr<PGnotify, decltype(&PQfreemem)> n{raw, &PQfreemem};
    std::string payload = n->extra ? n->extra : "";
    int64_t id = 0;
    auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), id);
    if (ec == std::errc{} && end == payload.data() + payload.size())
      ids.push_back(id);
  }
  return ids;
}

int64_t upsert_staff_user(pg::connection& c, const std::string& email, const std::string& password_hash) {
  pg::transaction tx{c};
  auto existing = tx.exec("SELECT id FROM users WHERE lower(email) = lower($1) FOR UPDATE", {email});
  int64_t id = 0;
  if (existing.empty()) {
    auto r = tx.exec("INSERT INTO users (email, password_hash, is_staff, email_verified) "
                     "VALUES ($1, $2, true, true) RETURNING id",
                     {email, password_hash});
    id = r.row().int64();
  } else {
    id = existing.row().int64();
    // A changed ADMIN_PASSWORD revokes the old tokens, as any password change does.
    tx.exec("UPDATE users SET is_staff = true, is_active = true, updated_at = now(), "
            "token_version = token_version + CASE WHEN password_hash = $2 THEN 0 ELSE 1 END, "
            "password_hash = $2 WHERE id = $1::bigint",
            {pg::to_param(id), password_hash});
  }
  tx.commit();
  return id;
}

}  // namespace commerce::persistence
