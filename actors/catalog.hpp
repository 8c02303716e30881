// The catalog supervisor and its product actors. A product actor serialises the writes to its
// product and caches the row for reads; the supervisor caches listing pages and match lists.
// Cached reads are at most `cache_ttl` old, so another node's writes show up within that time;
// this node's own writes and reservations show up at once. cache_ttl = 0 turns the caches off.
#pragma once

#include "actors/catalog_messages.hpp"
#include "actors/db_calls.hpp"
#include "actors/supervision.hpp"

#include <caf/fwd.hpp>

namespace commerce::actors {

struct catalog_deps {
  db_access db;
  std::chrono::seconds idle_timeout{300};
  restart_policy restarts;
  std::chrono::milliseconds cache_ttl{1000};
  int64_t listing_cache_bytes = 32 << 20;  ///< LISTING_CACHE_BYTES
};

catalog_api spawn_catalog_supervisor(caf::actor_system& sys, catalog_deps deps);

}  // namespace commerce::actors
