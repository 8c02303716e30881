// The cart supervisor and one cart actor per user. The cart lives in PostgreSQL (totals always
// use current prices), and the actor serialises every change to one user's cart.
#pragma once

#include "actors/cart_messages.hpp"
#include "actors/db_calls.hpp"
#include "actors/supervision.hpp"

#include <caf/fwd.hpp>

namespace commerce::actors {

struct cart_deps {
  db_access db;
  std::chrono::seconds idle_timeout{300};
  restart_policy restarts;
};

cart_api spawn_cart_supervisor(caf::actor_system& sys, cart_deps deps);

}  // namespace commerce::actors
