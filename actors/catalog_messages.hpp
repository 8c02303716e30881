// The catalog domain's protocol: products (one cached actor per product under the catalog
// supervisor), their stock, and the inventory sync's reads and writes.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/catalog_repository.hpp"
#include "persistence/inventory_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>
#include <vector>

namespace commerce::actors {

struct create_product {
  persistence::product_fields fields;
};
/// Reads an active product (archived ones are not found).
struct get_product {
  int64_t id = 0;
};
/// A product actor's read of its row, through the catalog's batched reader (db_batcher.hpp).
struct product_lookup {
  int64_t id = 0;
};
struct product_found {
  std::optional<persistence::product_record> product;
};
struct update_product {
  int64_t id = 0;
  persistence::product_fields fields;
};
struct archive_product {
  int64_t id = 0;
};
struct change_stock {
  int64_t id = 0;
  persistence::stock_operation operation = persistence::stock_operation::sale;
  int32_t quantity = 0;
};
struct list_products {
  persistence::product_query query;
};
/// Stock or prices changed behind the product actors' backs (an order reserved stock): drop caches.
struct invalidate_products {
  std::vector<int64_t> ids;
};
/// A product actor's write has committed: the supervisor's listings are stale. Sent before the
/// writer's reply, so a request that follows the reply finds them cleared.
using listings_changed_atom = caf::atom_constant<caf::atom("lstchanged")>;

// ---- the inventory sync (API.md §3.7; persistence/inventory_repository.hpp says how a
// warehouse's count, our stock and open reservations relate) ----------------------------------

/// A batch of a warehouse feed's counts (one page), applied through the ledger as 'sync' rows.
struct sync_stock_levels {
  std::string job_id;
  std::vector<persistence::warehouse_count> counts;
};
struct stock_sync_reply {
  problem error;
  persistence::stock_sync_batch batch;
};
/// Without a feed: checks up to `limit` active products after `after_id` against the ledger
/// and open reservations.
struct reconcile_stock_levels {
  std::string job_id;
  int64_t after_id = 0;
  int64_t limit = 500;
};
struct reconcile_reply {
  problem error;
  persistence::reconcile_batch batch;
};
/// The end of a sync attempt: `completed` when it ran through, else `failure` says why.
struct save_inventory_sync {
  std::string job_id;
  std::optional<persistence::inventory_sync_run> completed;
  std::string failure;
};
/// What GET /api/inventory/status/ shows.
struct get_inventory_status {};
struct inventory_status_reply {
  problem error;
  persistence::inventory_sync_status status;
};

struct product_reply {
  problem error;
  persistence::product_record product;
};
struct product_page_reply {
  problem error;
  /// Shared with the catalog's listing cache; set when there is no error.
  std::shared_ptr<const persistence::product_page> page;
};

/// The catalog supervisor's interface: listings are its own; the rest is served by the
/// product's actor.
using catalog_api = supervision_api::extend<caf::replies_to<create_product>::with<product_reply>,
                                            caf::replies_to<list_products>::with<product_page_reply>,
                                            caf::replies_to<get_product>::with<product_reply>,
                                            caf::replies_to<update_product>::with<product_reply>,
                                            caf::replies_to<archive_product>::with<product_reply>,
                                            caf::replies_to<change_stock>::with<product_reply>,
                                            caf::reacts_to<invalidate_products>,
                                            caf::reacts_to<listings_changed_atom>,
                                            caf::replies_to<sync_stock_levels>::with<stock_sync_reply>,
                                            caf::replies_to<reconcile_stock_levels>::with<reconcile_reply>,
                                            caf::replies_to<save_inventory_sync>::with<inventory_status_reply>,
                                            caf::replies_to<get_inventory_status>::with<inventory_status_reply>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::create_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_lookup)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_found)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::update_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::archive_product)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::change_stock)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_products)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::invalidate_products)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::product_page_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::sync_stock_levels)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::stock_sync_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::reconcile_stock_levels)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::reconcile_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::save_inventory_sync)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_inventory_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::inventory_status_reply)
