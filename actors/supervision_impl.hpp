// Template part of supervision.hpp; include that header instead.
#pragma once

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/sec.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <tuple>

namespace commerce::actors {

template <class Self, class RegistryOf>
auto supervise(Self* self, RegistryOf registry_of, std::chrono::milliseconds idle_timeout) {
  auto sweep_every = std::max(idle_timeout / 4, std::chrono::milliseconds(100));
  self->delayed_send(self, sweep_every, idle_sweep_atom::value);
  self->set_exit_handler([=](caf::exit_msg& em) {
    auto& registry = registry_of(self);
    switch (registry.on_exit(em.source, em.reason)) {
      case entity_registry::exit_kind::not_a_child:
        self->quit(em.reason);  // our owner is shutting us down
        break;
      case entity_registry::exit_kind::escalate:
        spdlog::error("{} supervisor: more than {} crashes within {} s, escalating", registry.domain(),
                      registry.policy().max_restarts, registry.policy().window.count());
        self->quit(caf::make_error(caf::sec::runtime_error, registry.domain() + " supervisor restart intensity exceeded"));
        break;
      case entity_registry::exit_kind::crashed:
      case entity_registry::exit_kind::passivated:
        break;
    }
  });
  return std::make_tuple(
    [=](idle_atom, int64_t id) {
      // Passivate: stop routing to the child first, so the next message activates a fresh one,
      // then let it finish what is already in its mailbox and stop. Only the child that asked
      // goes: a late report from a child already retired must not retire its successor.
      auto& registry = registry_of(self);
      auto child = registry.find(id);
      if (!child || child.address() != caf::actor_cast<caf::actor_addr>(self->current_sender()))
        return;
      registry.retire(id);
      // anon_send: CAF 0.17's typed actors may send() only to typed ones (the children are not).
      caf::anon_send(child, stop_atom::value);
    },
    [=](idle_sweep_atom) {
      // As for an idle report: no longer routed to, each drains its mailbox and stops.
      for (auto& child : registry_of(self).retire_idle(idle_timeout))
        caf::anon_send(child, stop_atom::value);
      self->delayed_send(self, sweep_every, idle_sweep_atom::value);
    },
    [=](stats_atom) {
      auto st = registry_of(self).stats();
      st.mailbox_size = own_mailbox_size(self);
      return st;
    },
    [=](const crash_entity& cmd) {
      if (auto child = registry_of(self).find(cmd.id))
        caf::anon_send(child, crash_atom::value);
    },
    [=](const list_children& q) { return registry_of(self).page(q.after, q.limit); },
    [=](const find_child& q) {
      auto& registry = registry_of(self);
      child_lookup out;
      if (auto found = registry.by_actor(q.actor_id)) {
        out.found = true;
        out.child = *found;
        if (q.passivate) {
          // As an idle report does: stop routing first, then let it drain its mailbox and stop.
          spdlog::info("{} actor {} passivated by an administrator", registry.domain(), found->entity_id);
          caf::anon_send(registry.retire(found->entity_id), stop_atom::value);
        }
      }
      return out;
    });
}

}  // namespace commerce::actors
