// Messages between a domain supervisor and its entity actors, and its counters.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

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

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::supervisor_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::crash_entity)
