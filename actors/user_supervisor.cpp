#include "actors/user_supervisor.hpp"

#include "actors/blocking_pool.hpp"
#include "actors/crypto.hpp"
#include "actors/supervision.hpp"
#include "actors/user_actor.hpp"
#include "actors/user_messages.hpp"
#include "actors/user_rules.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <optional>


namespace commerce::actors {

user_view view_of(const persistence::user_record& r) {
  return user_view{r.id, r.email, r.first_name, r.last_name, r.phone, r.is_staff, r.email_verified,
                   r.token_version, r.date_joined};
}

namespace {

struct supervisor_state {
  static inline const char* name = "user_supervisor";
  entity_registry users;
};

using supervisor_ptr = user_api::stateful_pointer<supervisor_state>;

caf::actor child_for(supervisor_ptr self, const user_domain_deps& d, int64_t id) {
  return actors::child_for(self, self->state.users, id, user_actor, d);
}

user_reply failure(problem p) { return user_reply{std::move(p), {}}; }

using listen_atom = caf::atom_constant<caf::atom("listen")>;

struct listener_state {
  static inline const char* name = "user_change_listener";
  std::optional<pg::connection> conn;  ///< its own connection: LISTEN holds it for good
};

/// LISTENs on user_changed (migration 0007) on a thread of its own and tells the supervisor
/// which users to read again. A short wait per turn lets it see its supervisor go down; a lost
/// connection is retried each second (CACHE_TTL_MS still bounds staleness meanwhile).
caf::behavior user_change_listener(caf::stateful_actor<listener_state>* self, caf::actor supervisor,
                                   std::string conninfo) {
  self->monitor(supervisor);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->send(self, listen_atom::value);
  return {
    [=](listen_atom) {
      auto& st = self->state;
      try {
        if (!st.conn) {
          st.conn.emplace(conninfo);
          persistence::listen_for_user_changes(*st.conn);
        }
        for (auto id : persistence::await_user_changes(*st.conn, std::chrono::milliseconds(200)))
          self->send(supervisor, stale_atom::value, id);
        self->send(self, listen_atom::value);
      } catch (const std::exception& e) {
        spdlog::warn("user change listener: {}; retrying in 1 s", e.what());
        st.conn.reset();
        self->delayed_send(self, std::chrono::seconds(1), listen_atom::value);
      }
    },
  };
}

/// Queues the outbox's delivery job (the verify_email just committed). Best effort: a refused or
/// unanswered enqueue is logged and never fails the registration; the beat's run sends it.
void deliver_outbox_soon(supervisor_ptr self, const user_domain_deps& d) {
  if (!d.jobs)
    return;
  self->request(d.jobs, d.call_timeout, enqueue_job{job_types::deliver_outbox, "{}", std::nullopt})
    .then(
      [](task_reply& r) {
        if (r.error)
          spdlog::warn("registration: could not queue {}: {}", job_types::deliver_outbox, r.error.message);
      },
      [](caf::error& e) { spdlog::warn("registration: could not queue {}: {}", job_types::deliver_outbox, to_string(e)); });
}

user_api::behavior_type user_supervisor(supervisor_ptr self, user_domain_deps d) {
  self->state.users = entity_registry{"user", {d.max_restarts, d.restart_window}};
  auto [idle, sweep, stats, crash, list, lookup] = supervise(self, [](supervisor_ptr s) -> entity_registry& { return s->state.users; }, d.idle_timeout);
  return {
    [=](register_user& cmd) {
      auto rp = self->make_response_promise<user_reply>();
      cmd.email = rules::normalize_email(cmd.email);
      field_errors bad;
      if (auto why = rules::check_email(cmd.email))
        bad["email"].push_back(*why);
      if (auto why = rules::check_password_size(cmd.password))
        bad["password"].push_back(*why);
      else if (auto why = rules::check_password(cmd.password, cmd.email))
        bad["password"].push_back(*why);
      if (auto why = rules::check_name(cmd.first_name))
        bad["first_name"].push_back(*why);
      if (auto why = rules::check_name(cmd.last_name))
        bad["last_name"].push_back(*why);
      if (cmd.phone)
        if (auto why = rules::check_phone(*cmd.phone))
          bad["phone"].push_back(*why);
      if (!bad.empty()) {
        rp.deliver(failure(problem::validation(std::move(bad))));
        return rp;
      }
      auto password = cmd.password;
      on_crypto_pool<std::string>(
          self, d, cmd.client, [password] { return crypto::hash_password(password); },
          [=](std::string& hash) mutable {
            persistence::new_user row{cmd.email, hash, cmd.first_name, cmd.last_name, cmd.phone, "",
                                      d.verification_ttl_hours};
            auto token = crypto::random_token();
            row.verification_token_hash = crypto::sha256_hex(token);
            self->request(d.db_workers, d.call_timeout, db_job(d.db, [row, token](pg::connection& c) {
                  try {
                    return user_reply{problem::none(), view_of(persistence::insert_user(c, row, token))};
                  } catch (const persistence::email_taken&) {
                    return failure(problem{error_code::email_exists, "a user with this email already exists",
                                           {{"email", {"is already registered"}}}});
                  }
                }))
              .then(
                [=](user_reply& r) mutable {
                  rp.deliver(r);
                  if (!r.error)
                    deliver_outbox_soon(self, d);
                },
                    [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
          },
          [=](problem failed) mutable { rp.deliver(failure(failed)); });
      return rp;
    },
    [=](login_user& cmd) {
      auto rp = self->make_response_promise<user_reply>();
      if (auto why = rules::check_password_size(cmd.password)) {
        rp.deliver(failure(problem::validation({{"password", {*why}}})));
        return rp;
      }
      auto email = rules::normalize_email(cmd.email);
      self->request(d.db_workers, d.call_timeout, db_job(d.db, [email](pg::connection& c) {
            return persistence::find_user_id_by_email(c, email).value_or(0);
          }))
        .then(
          [=](int64_t id) mutable {
            if (id != 0) {
              rp.delegate(child_for(self, d, id), login_user{email, cmd.password, id, cmd.client});
              return;
            }
            // Unknown e-mail: spend a verification's time anyway, then answer like a wrong password.
            auto password = cmd.password;
            on_crypto_pool<bool>(
              self, d, cmd.client,
              [password] {
                crypto::verify_dummy_password(password);
                return false;
              },
              [=](bool) mutable { rp.deliver(failure(problem::of(error_code::invalid_credentials, "invalid email or password"))); },
              [=](problem failed) mutable { rp.deliver(failure(failed)); });
          },
          [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
      return rp;
    },
    [=](verify_email& cmd) {
      auto rp = self->make_response_promise<user_reply>();
      auto token_hash = crypto::sha256_hex(cmd.token);
      self->request(d.db_workers, d.call_timeout, db_job(d.db, [token_hash](pg::connection& c) {
            return persistence::verification_token_owner(c, token_hash).value_or(0);
          }))
        .then(
          [=](int64_t id) mutable {
            if (id == 0)
              rp.deliver(failure(problem::invalid_token("verification token is invalid, used or expired")));
            else
              rp.delegate(child_for(self, d, id), cmd);
          },
          [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
      return rp;
    },
    [=](stale_atom, int64_t id) {
      if (auto child = self->state.users.find(id))  // an inactive user is read afresh anyway
        caf::anon_send(child, stale_atom::value);  // typed actors send() only to typed ones
    },
    [=](const authenticate& cmd) { return delegate_to<user_api>(self, child_for(self, d, cmd.user_id), cmd); },
    [=](const update_profile& cmd) { return delegate_to<user_api>(self, child_for(self, d, cmd.who.user_id), cmd); },
    [=](const change_password& cmd) { return delegate_to<user_api>(self, child_for(self, d, cmd.who.user_id), cmd); },
    idle,
    sweep,
    stats,
    crash,
    list,
    lookup,
  };
}

}  // namespace

user_api spawn_user_supervisor(caf::actor_system& sys, user_domain_deps deps) {
  auto conninfo = deps.db->conninfo();
  auto supervisor = sys.spawn(user_supervisor, std::move(deps));
  sys.spawn<caf::detached>(user_change_listener, caf::actor_cast<caf::actor>(supervisor), conninfo);
  return supervisor;
}

}  // namespace commerce::actors
