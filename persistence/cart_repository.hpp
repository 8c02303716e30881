// SQL for carts: one row per (user, product). Lines show the product's current name and price.
// Every change is one statement that also bumps the user's cart version (cart_versions), so a
// copy of the cart held in memory can be checked against PostgreSQL cheaply.
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

/// A line as a cart actor holds it: the name and price are read again whenever it is shown.
struct held_cart_line {
  int64_t item_id = 0;
  int64_t product_id = 0;
  int32_t quantity = 0;
};

/// The cart at one version (0: the user's cart was never written through cart_versions).
struct cart_snapshot {
  int64_t version = 0;
  std::vector<cart_line> lines;
};

enum class cart_outcome { ok, product_unavailable, quantity_over_limit, insufficient_stock, item_not_found };

struct cart_change {
  cart_outcome outcome = cart_outcome::ok;
  cart_line line;
  int32_t available = 0;  ///< the stock, for insufficient_stock
  int64_t version = 0;    ///< the cart's version after the change; 0 when nothing changed
};

/// The lines and the version, read in one statement (one snapshot).
cart_snapshot load_cart(pg::connection& c, int64_t user_id);
/// `held` (the lines of `version`) with the products' current names and prices, when the cart
/// is still at `version` in PostgreSQL (one statement); otherwise the cart as load_cart reads it.
cart_snapshot refresh_cart(pg::connection& c, int64_t user_id, int64_t version, const std::vector<held_cart_line>& held);

/// Adds `quantity` of an active product, merging into an existing line (the row's current
/// quantity, so concurrent adds all count); the sum must stay within `max_quantity` and the stock.
cart_change add_to_cart(pg::connection& c, int64_t user_id, int64_t product_id, int32_t quantity, int32_t max_quantity);

/// One add of add_to_carts.
struct cart_add {
  int64_t user_id = 0;
  int64_t product_id = 0;
  int32_t quantity = 1;
};
/// Many users' adds in one statement, each with the outcome add_to_cart would give it (in
/// order). Each user at most once (else they run one by one). An add whose line moved under the
/// statement (another writer committed first) is run again on its own, as add_to_cart does.
std::vector<cart_change> add_to_carts(pg::connection& c, const std::vector<cart_add>& adds, int32_t max_quantity);
/// Sets one of the user's lines to `quantity` (within the stock).
cart_change set_cart_quantity(pg::connection& c, int64_t user_id, int64_t item_id, int32_t quantity);
/// The cart's new version, or 0 when the user has no such item.
int64_t remove_cart_item(pg::connection& c, int64_t user_id, int64_t item_id);
/// The cart's new version, or 0 when it was already empty.
int64_t clear_cart(pg::connection& c, int64_t user_id);

}  // namespace commerce::persistence
