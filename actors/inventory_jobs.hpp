// The inventory.sync job (API.md §3.7). With a warehouse feed (INVENTORY_PROVIDER): every page
// of the feed, through the inventory integration actor, each page's counts applied through the
// ledger by the catalog (persistence/inventory_repository.hpp: reserved units stay reserved,
// stock never negative). Without one: every active product's stock reconciled against the
// ledger and open reservations. Either way the run ends in inventory_sync_state: last_sync,
// products_synced, errors. Idempotent: a redelivered sync sets the same absolute levels again,
// which moves nothing that the first run moved.
#pragma once

#include "actors/catalog_messages.hpp"
#include "actors/job_messages.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>

namespace commerce::actors {

struct inventory_job_deps {
  catalog_api catalog;
  caf::actor feed;  ///< the inventory integration actor (gateway_actors::inventory); invalid: no feed
  std::chrono::milliseconds catalog_timeout{30000};  ///< one batch through the catalog
  std::chrono::milliseconds feed_timeout{15000};     ///< one page from the feed, its retries included
  int64_t max_pages = 1000;                          ///< a feed with more pages fails the sync
  int64_t reconcile_batch = 500;                     ///< products per reconciliation transaction
};

/// Runs one inventory.sync job (what the registered handler does).
job_outcome run_inventory_sync(const job& j, caf::scoped_actor& self, const inventory_job_deps& deps);

/// Registers inventory.sync.
void add_inventory_jobs(job_registry& registry, inventory_job_deps deps);

}  // namespace commerce::actors
