#include "actors/user_actor.hpp"

#include "actors/blocking_pool.hpp"
#include "actors/crypto.hpp"
#include "actors/supervision.hpp"
#include "actors/user_messages.hpp"
#include "actors/user_rules.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

using user_ptr = caf::stateful_actor<user_state>*;

problem invalid_token() { return problem::invalid_token("token is invalid or has been revoked"); }
problem invalid_credentials() { return problem::of(error_code::invalid_credentials, "invalid email or password"); }

user_reply failure(problem p) { return user_reply{std::move(p), {}}; }
user_reply success(const persistence::user_record& r) { return user_reply{problem::none(), view_of(r)}; }

/// Runs `next(problem)` once the record is in memory and fresh, loading it on activation and
/// again once it is older than cache_ttl (another node may have changed the password, the
/// active flag or the staff role). `await` keeps every other message to this user waiting
/// meanwhile: operations on one user never interleave with a load.
template <class F>
void with_record(user_ptr self, const user_domain_deps& d, F next) {
  auto now = std::chrono::steady_clock::now();
  if (self->state.record && now - self->state.loaded_at <= d.cache_ttl) {
    next(problem::none());
    return;
  }
  auto id = self->state.id;
  self->request(d.db_workers, d.call_timeout, db_job(d.db, [id](pg::connection& c) {
        return persistence::find_user(c, id).value_or(persistence::user_record{});
      }))
    .await(
      [=](persistence::user_record& r) mutable {
        if (r.id == 0) {
          next(invalid_token());  // deleted user holding a valid signature
          self->quit();
          return;
        }
        self->state.record = std::move(r);
        self->state.loaded_at = now;
        next(problem::none());
      },
      [=](caf::error& e) mutable {
        spdlog::warn("user {}: {} failed: {}", id, self->state.record ? "refresh" : "activation", to_string(e));
        next(problem::unavailable());
      });
}

/// The token's claims against the live record: active, and issued for the current password.
problem check_claims(user_ptr self, const authenticate& who) {
  const auto& r = *self->state.record;
  if (!r.is_active || who.token_version != r.token_version)
    return invalid_token();
  return problem::none();
}

/// Persists through `fn(connection) -> user_record`, then replaces the in-memory record.
template <class Fn>
void persist_then_reply(user_ptr self, const user_domain_deps& d, caf::response_promise rp, Fn fn) {
  self->request(d.db_workers, d.call_timeout, db_job(d.db, std::move(fn)))
    .await(
      [=](persistence::user_record& r) mutable {
        self->state.record = r;
        self->state.loaded_at = std::chrono::steady_clock::now();
        rp.deliver(success(r));
      },
      [=](caf::error& e) mutable {
        spdlog::warn("user {}: write failed: {}", self->state.id, to_string(e));
        rp.deliver(failure(problem::unavailable()));
      });
}

}  // namespace

caf::behavior user_actor(user_ptr self, caf::actor supervisor, int64_t id, user_domain_deps d) {
  self->state.id = id;
  log_unhandled_exceptions(self, "user", id);
  return {
    [=](const authenticate& who) {
      auto rp = self->make_response_promise();
      with_record(self, d, [=](problem p) mutable {
        if (!p)
          p = check_claims(self, who);
        rp.deliver(p ? failure(p) : success(*self->state.record));
      });
      return rp;
    },
    [=](const login_user& cmd) {
      auto rp = self->make_response_promise();
      with_record(self, d, [=](problem p) mutable {
        if (p) {
          rp.deliver(failure(p.code == error_code::invalid_token ? invalid_credentials() : p));
          return;
        }
        auto hash = self->state.record->password_hash;
        auto version = self->state.record->token_version;
        auto password = cmd.password;
        // `then`, not `await`: the user's other requests go on while Argon2 runs.
        on_crypto_pool<bool>(
          self, d, cmd.client, [hash, password] { return crypto::verify_password(hash, password); },
          [=](bool ok) mutable {
            // The check counts only against the password that is still current.
            const auto& r = self->state.record;
            bool current = r && r->is_active && r->token_version == version;
            rp.deliver(ok && current ? success(*r) : failure(invalid_credentials()));
          },
          [=](problem failed) mutable { rp.deliver(failure(failed)); });
      });
      return rp;
    },
    [=](const update_profile& cmd) {
      auto rp = self->make_response_promise();
      with_record(self, d, [=](problem p) mutable {
        if (!p)
          p = check_claims(self, cmd.who);
        if (p) {
          rp.deliver(failure(p));
          return;
        }
        field_errors bad;
        if (cmd.first_name)
          if (auto why = rules::check_name(*cmd.first_name))
            bad["first_name"].push_back(*why);
        if (cmd.last_name)
          if (auto why = rules::check_name(*cmd.last_name))
            bad["last_name"].push_back(*why);
        if (cmd.phone_given && cmd.phone)
          if (auto why = rules::check_phone(*cmd.phone))
            bad["phone"].push_back(*why);
        if (!bad.empty()) {
          rp.deliver(failure(problem::validation(std::move(bad))));
          return;
        }
        persistence::profile_change change{cmd.first_name, cmd.last_name, cmd.phone_given, cmd.phone};
        persist_then_reply(self, d, rp, [id, change](pg::connection& c) {
          return persistence::update_profile(c, id, change);
        });
      });
      return rp;
    },
    [=](const change_password& cmd) {
      auto rp = self->make_response_promise();
      with_record(self, d, [=](problem p) mutable {
        if (!p)
          p = check_claims(self, cmd.who);
        if (p) {
          rp.deliver(failure(p));
          return;
        }
        // Bad input is refused before any hashing.
        field_errors bad;
        if (auto why = rules::check_password_size(cmd.old_password))
          bad["old_password"].push_back(*why);
        if (auto why = rules::check_password(cmd.new_password, self->state.record->email))
          bad["new_password"].push_back(*why);
        else if (cmd.new_password == cmd.old_password)
          bad["new_password"].push_back("must differ from the old password");
        if (!bad.empty()) {
          rp.deliver(failure(problem::validation(std::move(bad))));
          return;
        }
        auto hash = self->state.record->password_hash;
        auto old_password = cmd.old_password;
        auto new_password = cmd.new_password;
        // One trip to the crypto pool: verify the old password, then hash the new one. `then`:
        // the user's other requests go on meanwhile, so the token version is checked again after.
        on_crypto_pool<password_check>(
          self, d, cmd.client,
          [=] {
            if (!crypto::verify_password(hash, old_password))
              return password_check{problem::validation({{"old_password", {"is incorrect"}}}), {}};
            return password_check{problem::none(), crypto::hash_password(new_password)};
          },
          [=](password_check& checked) mutable {
            if (checked.error) {
              rp.deliver(failure(checked.error));
              return;
            }
            if (auto revoked = check_claims(self, cmd.who)) {  // changed meanwhile (here or, via SQL, anywhere)
              rp.deliver(failure(revoked));
              return;
            }
            auto new_hash = checked.new_hash;
            auto expected = cmd.who.token_version;
            self->request(d.db_workers, d.call_timeout, db_job(d.db, [id, new_hash, expected](pg::connection& c) {
                  return persistence::change_password(c, id, new_hash, expected).value_or(persistence::user_record{});
                }))
              .await(
                [=](persistence::user_record& r) mutable {
                  if (r.id == 0) {  // another node changed it first: read it again next time
                    self->state.loaded_at = {};
                    rp.deliver(failure(invalid_token()));
                    return;
                  }
                  self->state.record = r;
                  self->state.loaded_at = std::chrono::steady_clock::now();
                  rp.deliver(success(r));
                },
                [=](caf::error& e) mutable {
                  spdlog::warn("user {}: password change failed: {}", id, to_string(e));
                  rp.deliver(failure(problem::unavailable()));
                });
          },
          [=](problem failed) mutable { rp.deliver(failure(failed)); });
      });
      return rp;
    },
    [=](const verify_email& cmd) {
      auto rp = self->make_response_promise();
      with_record(self, d, [=](problem p) mutable {
        if (p) {
          rp.deliver(failure(p));
          return;
        }
        auto token_hash = crypto::sha256_hex(cmd.token);
        self->request(d.db_workers, d.call_timeout, db_job(d.db, [id, token_hash](pg::connection& c) {
              return persistence::consume_verification_token(c, id, token_hash);
            }))
          .await(
            [=](bool consumed) mutable {
              if (!consumed) {
                rp.deliver(failure(invalid_token()));
                return;
              }
              self->state.record->email_verified = true;
              rp.deliver(success(*self->state.record));
            },
            [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
      });
      return rp;
    },
    [=](stale_atom) { self->state.loaded_at = {}; },
    [=](crash_atom) { injected_crash("user", id); },
    [=](inspect_atom) {
      const auto& u = self->state.record;
      return entity_probe{own_mailbox_size(self), u ? "user " + std::to_string(id) + (u->is_staff ? " (staff)" : "") +
                                                        (u->is_active ? ", active" : ", inactive")
                                                    : "user " + std::to_string(id) + ", not loaded"};
    },
    [=](stop_atom) { self->quit(); },
  };
}

}  // namespace commerce::actors
