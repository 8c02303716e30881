// SQL for carts: one row per (user, product). Lines show the product's current price.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::persistence {

struct cart_line {
  int64_t item_id = 0;
  int64_t product_id = 0;
  std::string product_name;
  int64_t unit_price_minor = 0;
  int32_t quantity = 0;
};

enum class cart_outcome { ok, product_unavailable, quantity_over_limit, insufficient_stock, item_not_found };

struct cart_change {
  cart_outcome outcome = cart_outcome::ok;
  cart_line line;
  int32_t available = 0;  ///< the stock, for insufficient_stock
};

std::vector<cart_line> load_cart(pg::connection& c, int64_t user_id);

/// Adds `quantity` of an active product, merging into an existing line; the sum must stay
/// within `max_quantity` and the stock.
cart_change add_to_cart(pg::connection& c, int64_t user_id, int64_t product_id, int32_t quantity, int32_t max_quantity);
/// Sets one of the user's lines to `quantity` (within the stock).
cart_change set_cart_quantity(pg::connection& c, int64_t user_id, int64_t item_id, int32_t quantity);
bool remove_cart_item(pg::connection& c, int64_t user_id, int64_t item_id);
void clear_cart(pg::connection& c, int64_t user_id);

}  // namespace commerce::persistence
