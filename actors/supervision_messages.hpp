// Messages between a domain supervisor and its entity actors, and its counters.
#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/replies_to.hpp>
#include <caf/response_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::actors {

/// A supervisor's counters, for the admin console.
struct supervisor_stats {
  int64_t active = 0;
  int64_t activations = 0;
  int64_t passivations = 0;
  int64_t crashes = 0;
  int64_t restarts_in_window = 0;
  /// Messages waiting in the supervisor's own mailbox: every command of the domain passes through
  /// it, so a growing backlog here is the domain's backpressure (children's inboxes are readable
  /// only from inside each child: the console probes them on request).
  int64_t mailbox_size = 0;
};

using stats_atom = caf::atom_constant<caf::atom("stats")>;
/// An entity actor tells its supervisor it is done (its row does not exist); the supervisor
/// answers with stop_atom.
using idle_atom = caf::atom_constant<caf::atom("idle")>;
/// The supervisor's own periodic look for children no message was routed to for the idle time.
using idle_sweep_atom = caf::atom_constant<caf::atom("idlesweep")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// Fault injection for supervision drills (tests, the admin console): the entity actor throws.
using crash_atom = caf::atom_constant<caf::atom("crash")>;

/// Asks a supervisor to crash its live child for `id` (nothing happens when none is active).
struct crash_entity {
  int64_t id = 0;
};

/// Admin introspection (the console, /admin/api/actors): a supervisor's live children, one page
/// at a time, in entity-id order.
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;

/// One live child, from its supervisor's bookkeeping: updated when the supervisor routes a
/// message to it (one increment and one clock read per message), never by asking the child.
struct child_summary {
  uint64_t actor_id = 0;  ///< CAF's actor id, unique on this node: the console's handle
  std::string kind;       ///< user, product, cart, order
  int64_t entity_id = 0;  ///< the user, product or order id (a cart's: its owner's user id)
  int64_t messages_routed = 0;  ///< messages its supervisor delivered to it since activation
  int64_t activated_at_ms = 0;  ///< unix milliseconds
  int64_t last_activity_ms = 0;  ///< unix milliseconds of the last message routed to it
  int64_t restarts = 0;  ///< crashes of this entity since the supervisor started (each re-activated it)
  caf::actor handle;     ///< for a probe (entity_probe); never rendered
};

/// A supervisor's counters with its restart-intensity budget.
struct supervisor_summary {
  std::string kind;
  supervisor_stats stats;
  int64_t max_restarts = 0;
  int64_t window_seconds = 0;
  int64_t restart_budget = 0;  ///< crashes it still absorbs within the window before it escalates
};

/// Children with an entity id greater than `after`, at most `limit` of them.
struct list_children {
  int64_t after = 0;
  int64_t limit = 50;
};
struct children_page {
  supervisor_summary supervisor;
  std::vector<child_summary> children;
  bool more = false;  ///< children after the last one listed
};

/// The live child with CAF actor id `actor_id`; with `passivate`, also retires it (it finishes
/// its mailbox, then stops; its next message activates a fresh one from PostgreSQL).
struct find_child {
  uint64_t actor_id = 0;
  bool passivate = false;
};
struct child_lookup {
  bool found = false;
  child_summary child;
};

/// What an entity actor answers to inspect_atom, from inside itself: its mailbox size (exact
/// when it answers, this request not counted) and a one-line state summary.
struct entity_probe {
  int64_t mailbox_size = 0;
  std::string state;
};

/// What every domain supervisor answers (supervision.hpp's `supervise`); each domain's
/// interface extends it: `using cart_api = supervision_api::extend<...>`.
using supervision_api = caf::typed_actor<caf::reacts_to<idle_atom, int64_t>, caf::reacts_to<idle_sweep_atom>,
                                         caf::replies_to<stats_atom>::with<supervisor_stats>,
                                         caf::reacts_to<crash_entity>,
                                         caf::replies_to<list_children>::with<children_page>,
                                         caf::replies_to<find_child>::with<child_lookup>>;

/// The reply an actor with interface `Api` gives to `Msg` (its `replies_to<Msg>::with<R>`), so
/// that askers never spell it; a message not in `Api` does not compile.
template <class Api, class Msg>
struct reply_of;
template <class Api, class Msg>
using reply_of_t = typename reply_of<Api, Msg>::type;
template <class... Sigs, class Msg>
struct reply_of<caf::typed_actor<Sigs...>, Msg> {
  template <class List>
  struct single;
  template <class R>
  struct single<caf::detail::type_list<R>> {
    using type = R;
  };
  using type = typename single<caf::response_type_t<caf::detail::type_list<Sigs...>, Msg>>::type;
};

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::supervisor_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::crash_entity)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_children)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::children_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::find_child)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::child_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::entity_probe)
