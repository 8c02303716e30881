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

problem invalid_token() { return problem::of("invalid_token", "token is invalid or has been revoked"); }
problem invalid_credentials() { return problem::of("invalid_credentials", "invalid email or password"); }

user_reply failure(problem p) { return user_reply{std::move(p), {}}; }
user_reply success(const persistence::user_record& r) { return user_reply{problem::none(), view_of(r)}; }

/// Runs `next(problem)` once the record is in memory, loading it on activation. `await` keeps
/// every other message to this user waiting meanwhile: operations on one user never interleave.
template <class F>
void with_record(user_ptr self, const user_domain_deps& d, F next) {
  if (self->state.record) {
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
        next(problem::none());
      },
      [=](caf::error& e) mutable {
        spdlog::warn("user {}: activation failed: {}", id, to_string(e));
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
          rp.deliver(failure(p.code == "invalid_token" ? invalid_credentials() : p));
          return;
        }
        auto hash = self->state.record->password_hash;
        auto password = cmd.password;
        self->request(d.crypto_workers, d.call_timeout,
                      cpu_job([hash, password] { return crypto::verify_password(hash, password); }))
          .await(
            [=](bool ok) mutable {
              const auto& r = *self->state.record;
              rp.deliver(ok && r.is_active ? success(r) : failure(invalid_credentials()));
            },
            [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
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
        auto hash = self->state.record->password_hash;
        auto email = self->state.record->email;
        auto old_password = cmd.old_password;
        auto new_password = cmd.new_password;
        // One trip to the crypto pool: verify the old password, then hash the new one.
        self->request(d.crypto_workers, d.call_timeout, cpu_job([=] {
              field_errors bad;
              if (!crypto::verify_password(hash, old_password))
                bad["old_password"].push_back("is incorrect");
              if (auto why = rules::check_password(new_password, email))
                bad["new_password"].push_back(*why);
              else if (new_password == old_password)
                bad["new_password"].push_back("must differ from the old password");
              if (!bad.empty())
                return password_check{problem::validation(std::move(bad)), {}};
              return password_check{problem::none(), crypto::hash_password(new_password)};
            }))
          .await(
            [=](password_check& checked) mutable {
              if (checked.error) {
                rp.deliver(failure(checked.error));
                return;
              }
              auto new_hash = checked.new_hash;
              persist_then_reply(self, d, rp, [id, new_hash](pg::connection& c) {
                return persistence::change_password(c, id, new_hash);
              });
            },
            [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
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
    [=](crash_atom) { injected_crash("user", id); },
    [=](stop_atom) { self->quit(); },
    caf::after(d.idle_timeout) >> [=] { self->send(supervisor, idle_atom::value, id); },
  };
}

}  // namespace commerce::actors
