// The order supervisor (order_supervisor.cpp) and one order actor per order (order_actor.cpp).
// The supervisor runs checkout (one transaction: every line reserved or none), lists orders,
// and sweeps expired reservations; the order actor serialises its order's lifecycle
// transitions (domain/order_lifecycle.hpp), each guarded in SQL by the expected status and version.
#pragma once

#include "actors/catalog_messages.hpp"
#include "actors/db_calls.hpp"
#include "actors/job_messages.hpp"
#include "actors/order_messages.hpp"
#include "actors/supervision.hpp"
#include "actors/gateway_actors.hpp"

#include <memory>

#include <caf/fwd.hpp>

namespace commerce::actors {

struct order_deps {
  db_access db;
  std::chrono::seconds idle_timeout{300};
  restart_policy restarts;
  std::chrono::milliseconds cache_ttl{1000};
  catalog_api catalog;  ///< told which products' stock a checkout moved
  std::chrono::seconds reservation_ttl{1800};
  std::chrono::seconds sweep_interval{30};  ///< 0: no periodic sweep (tests send sweep_atom)
  gateway_actors gateways;                   ///< payments and shipping are asked through these
  std::chrono::milliseconds gateway_timeout{30000};  ///< a whole gateway job, retries included
  caf::actor notifier;
  job_desk_api jobs;  ///< queues the process job (start_processing); invalid: answered unavailable
};

order_api spawn_order_supervisor(caf::actor_system& sys, order_deps deps);

}  // namespace commerce::actors
