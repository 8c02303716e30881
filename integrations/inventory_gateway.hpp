// The inventory feed interface: a warehouse's stock levels, read page by page. One
// implementation per provider (integrations/inventory/), chosen by INVENTORY_PROVIDER; unset
// means no feed (the sync then reconciles our own ledger). Calls block: run them on the
// inventory integration actor's workers.
#pragma once

#include "integrations/gateway_client.hpp"
#include "integrations/payment_gateway.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace commerce::integrations {

/// What the warehouse holds of one SKU: the units physically there, reserved ones included.
struct stock_level {
  std::string sku;
  int32_t quantity = 0;
};

/// Bounds on what one feed may make us hold or do: an answer over them is cut, never buffered.
namespace feed_limits {
inline constexpr size_t max_items_per_page = 1000;  ///< lines beyond are refused as errors
inline constexpr int64_t max_pages = 1000;          ///< a sync stops (and fails) past this
inline constexpr size_t max_sku_length = 64;        ///< the catalog's own limit
inline constexpr int32_t max_quantity = 1'000'000;  ///< the catalog's own limit
inline constexpr size_t max_rejections_kept = 20;   ///< reasons kept per page (all are counted)
}  // namespace feed_limits

/// One page of the feed, read.
struct inventory_page {
  gateway_outcome outcome = gateway_outcome::gateway_error;  ///< succeeded, gateway_error or timeout
  std::vector<stock_level> items;                            ///< the well-formed lines
  int64_t rejected = 0;                                      ///< lines that were not
  std::vector<std::string> rejections;                       ///< why, for the first few of them
  std::optional<int64_t> next_page;                          ///< none: this was the last page
  std::string detail;                                        ///< why the page is unusable
};

/// A feed's calls go out (and are recorded) as provider "inventory-<name>": its circuit breaker is
/// its own even when the feed shares a host with another `generic` gateway (the mock, in tests).
inline std::string feed_call_name(const std::string& provider) { return "inventory-" + provider; }

class inventory_gateway {
public:
  virtual ~inventory_gateway() = default;
  virtual const std::string& provider() const = 0;
  /// Page `number` (1 first) of the warehouse's stock levels.
  virtual inventory_page page(int64_t number) = 0;
};

/// The feed named by INVENTORY_PROVIDER ("generic"); throws std::invalid_argument for another.
std::unique_ptr<inventory_gateway> make_inventory_gateway(const std::string& provider, const std::string& base_url,
                                                          std::shared_ptr<gateway_client> client);

// One factory per provider file.
std::unique_ptr<inventory_gateway> make_generic_inventory(std::string base_url, std::shared_ptr<gateway_client> client);

}  // namespace commerce::integrations
