// The cart supervisor and one cart actor per user. The actor serialises every change to one
// user's cart and holds its lines (ids and quantities) in memory, written through to PostgreSQL.
// PostgreSQL stays the arbiter: a per-user cart version, bumped by every cart write and by the
// order that empties the cart, is checked by each read (in the statement that fetches the
// products' current names and prices), so another node's change is never hidden.
#pragma once

#include "actors/cart_messages.hpp"
#include "actors/db_batcher.hpp"
#include "actors/supervision.hpp"

#include <caf/fwd.hpp>

namespace commerce::actors {

struct cart_deps {
  db_access db;
  std::chrono::seconds idle_timeout{300};
  restart_policy restarts;
};

cart_api spawn_cart_supervisor(caf::actor_system& sys, cart_deps deps);

/// How the supervisor's batcher runs its cart actors' adds: many users' in one statement.
db_batch_kind<persistence::cart_add, persistence::cart_change> cart_add_batches();

}  // namespace commerce::actors
