// Messages between a domain supervisor and its entity actors, and its counters.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/replies_to.hpp>
#include <caf/response_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

namespace commerce::actors {

/// A supervisor's counters, for the admin console.
struct supervisor_stats {
  int64_t active = 0;
  int64_t activations = 0;
  int64_t passivations = 0;
  int64_t crashes = 0;
  int64_t restarts_in_window = 0;
};

using stats_atom = caf::atom_constant<caf::atom("stats")>;
/// An entity actor tells its supervisor it has been idle; the supervisor answers with stop_atom.
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// Fault injection for supervision drills (tests, the admin console): the entity actor throws.
using crash_atom = caf::atom_constant<caf::atom("crash")>;

/// Asks a supervisor to crash its live child for `id` (nothing happens when none is active).
struct crash_entity {
  int64_t id = 0;
};

/// What every domain supervisor answers (supervision.hpp's `supervise`); each domain's
/// interface extends it: `using cart_api = supervision_api::extend<...>`.
using supervision_api = caf::typed_actor<caf::reacts_to<idle_atom, int64_t>,
                                         caf::replies_to<stats_atom>::with<supervisor_stats>,
                                         caf::reacts_to<crash_entity>>;

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
