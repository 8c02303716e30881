// What every domain supervisor does for its entity actors (users, products, carts, orders),
// virtual-actor style: route by id, activating the child on first use; passivate it when it
// reports idle; count crashes and escalate past the restart intensity (OTP's N in T).
// A crashed child is simply forgotten: its next message activates a fresh one from PostgreSQL.
#pragma once

#include "actors/supervision_messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/delegated.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace commerce::actors {

struct restart_policy {
  int max_restarts = 10;
  std::chrono::seconds window{60};
};

class entity_registry {
public:
  entity_registry() = default;
  entity_registry(std::string domain, restart_policy policy) : domain_(std::move(domain)), policy_(policy) {}

  /// The live child for `id`, or an invalid handle.
  caf::actor find(int64_t id) const;
  /// find(), counting a message routed to the child (the console's messages and last activity).
  caf::actor route(int64_t id);
  void add(int64_t id, caf::actor child);
  /// Stops routing to the child (it reported idle) and returns it, so it can be told to stop.
  caf::actor retire(int64_t id);
  /// Removes a cached child without waiting for idleness (its state changed elsewhere).
  caf::actor forget(int64_t id) { return retire(id); }
  /// Retires every child no message was routed to since `idle_for` ago, returning them.
  std::vector<caf::actor> retire_idle(std::chrono::milliseconds idle_for);

  enum class exit_kind { not_a_child, passivated, crashed, escalate };
  /// Bookkeeping for an exit_msg; `escalate` once the restart intensity is exceeded.
  exit_kind on_exit(const caf::actor_addr& source, const caf::error& reason);

  supervisor_stats stats() const;
  /// Counters and the restart budget left in the current window.
  supervisor_summary summary();
  /// Up to `limit` children with entity ids above `after`, in id order.
  children_page page(int64_t after, int64_t limit);
  /// The routable child with CAF actor id `actor_id`, if there is one.
  std::optional<child_summary> by_actor(uint64_t actor_id) const;
  const std::string& domain() const { return domain_; }
  const restart_policy& policy() const { return policy_; }

private:
  std::string domain_;
  restart_policy policy_;
  struct child_record {
    caf::actor handle;
    int64_t messages = 0;
    int64_t activated_at_ms = 0;
    int64_t last_activity_ms = 0;
  };
  child_summary summary_of(int64_t id, const child_record& r) const;
  void prune_crashes(std::chrono::steady_clock::time_point now);

  std::map<int64_t, child_record> children_;  ///< routable, ordered by id for the console's pages
  std::unordered_map<caf::actor_id, int64_t> by_actor_;  ///< routable children's CAF ids
  std::map<caf::actor_addr, int64_t> ids_;            ///< every linked child, stopping ones included
  std::unordered_map<int64_t, int64_t> restarts_;     ///< crashes per entity id (bounded, see on_exit)
  std::deque<std::chrono::steady_clock::time_point> crash_times_;
  supervisor_stats stats_;
};

/// Returns the routable child for `id`, spawning `fn(self_handle, id, args...)` linked to
/// `self` when there is none.
template <class Self, class Fn, class... Ts>
caf::actor child_for(Self* self, entity_registry& registry, int64_t id, Fn fn, const Ts&... args) {
  if (auto child = registry.route(id))
    return child;
  auto child = self->template spawn<caf::linked>(fn, caf::actor_cast<caf::actor>(self), id, args...);
  registry.add(id, child);
  return registry.route(id);
}

/// An entity actor whose row does not exist asks its supervisor to passivate it at once (the
/// idle protocol), so asking for unknown ids leaves no actor behind; a request routed to it
/// meanwhile is still answered, from the database, before it stops.
template <class Self>
void passivate_missing(Self* self, const caf::actor& supervisor, int64_t id) {
  self->send(supervisor, idle_atom::value, id);
}

/// Logs an entity actor's unhandled exception and ends the actor with it as the reason, so
/// its supervisor sees a crash (CAF would print to stderr instead).
void log_unhandled_exceptions(caf::scheduled_actor* self, std::string domain, int64_t id);

/// The mailbox size of an entity actor, read from inside it (CAF's inbox is not safe to read
/// from another thread).
template <class Self>
int64_t own_mailbox_size(Self* self) {
  return static_cast<int64_t>(self->mailbox().size());
}

/// The handler of crash_atom every entity actor includes.
[[noreturn]] void injected_crash(const std::string& domain, int64_t id);

/// Installs the supervisor's exit handler (children crash or passivate; an exit from anyone
/// else is our own shutdown), starts its idle sweep, and returns the handlers of
/// supervision_api: idle reports, the sweep, stats, crash_entity and the console's
/// list_children and find_child, as a tuple for the domain's typed behaviour
/// (`auto [idle, sweep, stats, crash, list, lookup] = supervise(...); return {..., idle, sweep, stats, crash, list, lookup};`).
/// `registry_of(self)` returns the registry inside the actor's state. A child no message was
/// routed to for `idle_timeout` is passivated within a quarter of that time more. The
/// supervisor keeps the time (it routes every message anyway): a receive timeout in each child
/// would re-arm CAF's clock on every message, one trip through its single clock thread each
/// (5% of the server's CPU reading cached products).
template <class Self, class RegistryOf>
auto supervise(Self* self, RegistryOf registry_of, std::chrono::milliseconds idle_timeout);

/// A supervisor's route to an (untyped) entity child: `msg` is delegated, and the reply the
/// supervisor's interface `Api` promises for it comes from the child.
template <class Api, class Self, class Msg>
caf::delegated<reply_of_t<Api, Msg>> delegate_to(Self* self, const caf::actor& child, const Msg& msg) {
  self->delegate(child, msg);
  return {};
}

}  // namespace commerce::actors

#include "actors/supervision_impl.hpp"
