// SQL of the inventory sync (API.md §3.7): a warehouse's stock levels applied through the
// inventory ledger, the reconciliation of stock against the ledger and open reservations, and
// the last sync's record (inventory_sync_state).
//
// How stock, reservations and a warehouse's count relate:
//   products.quantity is the stock we may still sell (API.md's "stock on hand" as the API shows
//   it). Placing an order moves its units out of it at once (ledger 'order_reserved'); those
//   units stay physically in the warehouse until the order ships. So for every product
//       warehouse count  =  products.quantity  +  units reserved by open orders
//   where an open order is one with inventory_reserved whose status is still before shipping
//   (pending, confirmed, processing): a cancel of a pending order puts its units back into
//   products.quantity; a shipped order's units have left the warehouse and its count.
//   A feed line therefore sets products.quantity = max(0, count - reserved): the reserved units
//   stay reserved (an open order is never un-reserved by a sync), and a count below what open
//   orders hold sets the sellable stock to 0 and is reported as a shortfall, never negative.
// Each batch locks its product rows (in id order, as orders do) before it counts reservations,
// so an order placed or cancelled meanwhile is either fully counted or fully waits: the level
// is never applied against a half-seen reservation, and stock is never oversold.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

/// What a warehouse holds of one SKU, reserved units included.
struct warehouse_count {
  std::string sku;
  int32_t quantity = 0;
};

/// What one batch of the sync did.
struct stock_sync_batch {
  int64_t applied = 0;              ///< lines whose product's level was applied (moved or already right)
  std::vector<int64_t> changed;     ///< products whose stock moved (their caches must go)
  std::vector<std::string> skus;    ///< the SKUs applied (a sync counts each product once)
  std::vector<std::string> errors;  ///< one message per unknown SKU or shortfall
};

/// Applies each line's count as products.quantity = max(0, count - open reservations) for the
/// active product with that SKU, with a 'sync' ledger row (tagged `job_id`) where the stock
/// moved. Unknown or archived SKUs are errors, not fatal. A SKU given twice: the last line
/// counts. One transaction; running it again with the same counts moves nothing.
stock_sync_batch apply_warehouse_counts(pg::connection& c, const std::vector<warehouse_count>& counts,
                                        const std::string& job_id);

/// What one batch of the reconciliation found.
struct reconcile_batch {
  int64_t checked = 0;
  std::optional<int64_t> next_after_id;  ///< none: no active product after this batch
  std::vector<std::string> errors;       ///< what did not add up (and what was done about it)
};

/// Checks up to `limit` active products with id > `after_id`, in one transaction:
///  - the ledger must sum to the stock: a difference means stock moved outside the ledger;
///    products.quantity is what was sold against, so it stays and a 'reconcile' row books the
///    difference (reported);
///  - every open reservation must be booked in the ledger (its 'order_reserved' rows, net of
///    releases, equal to the order's units): one that is not is reported for staff to look at.
/// Running it again moves nothing: the ledger then sums to the stock.
reconcile_batch reconcile_stock(pg::connection& c, int64_t after_id, int64_t limit, const std::string& job_id);

/// A completed sync: the new last_sync (now), how many products it processed and its errors.
struct inventory_sync_run {
  std::string job_id;
  std::string source;  ///< feed | ledger
  int64_t products_synced = 0;
  int64_t errors = 0;
  std::vector<std::string> messages;  ///< the last few (at most max_sync_messages are kept)
};
inline constexpr size_t max_sync_messages = 20;

void record_inventory_sync(pg::connection& c, const inventory_sync_run& run);
/// An attempt that could not complete (the feed unreachable): its error, last_sync unchanged.
void record_inventory_sync_failure(pg::connection& c, const std::string& job_id, const std::string& error);

struct inventory_sync_status {
  std::optional<std::string> last_sync;  ///< ISO-8601 UTC; none before the first sync
  int64_t products_synced = 0;
  int64_t total_products = 0;  ///< active products now
  std::optional<std::string> source;
  int64_t errors = 0;
  std::vector<std::string> error_messages;
  std::optional<std::string> last_attempt_at;
  std::optional<bool> last_attempt_ok;  ///< none before the first attempt
};
inventory_sync_status read_inventory_sync_status(pg::connection& c);

}  // namespace commerce::persistence
