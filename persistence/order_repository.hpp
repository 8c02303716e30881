// SQL for orders: creation with all-or-nothing stock reservation, idempotency keys, guarded
// status transitions, and the expiry of unpaid reservations. PostgreSQL is the arbiter: stock
// moves with conditional UPDATEs (quantity >= n) and transitions with WHERE status = expected,
// so any number of server processes on one database stay correct.
#pragma once

#include "domain/order_lifecycle.hpp"
#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct order_item_record {
  int64_t product_id = 0;
  std::string product_name;
  std::string sku;
  int64_t unit_price_minor = 0;
  int32_t quantity = 0;
  int64_t line_total_minor = 0;
};

struct order_record {
  int64_t id = 0;
  int64_t user_id = 0;
  domain::order_status status = domain::order_status::pending;
  domain::payment_status payment_status = domain::payment_status::unpaid;
  std::vector<order_item_record> items;
  int64_t subtotal_minor = 0;
  int64_t shipping_cost_minor = 0;
  int64_t total_minor = 0;
  int64_t refunded_minor = 0;
  std::string currency;
  std::string shipping_address_json;
  std::string billing_address_json;
  std::string payment_method;
  std::string shipping_method;
  bool inventory_reserved = false;
  bool payment_processed = false;
  bool shipping_created = false;
  int32_t version = 0;
  std::string created_at;
  std::string updated_at;
};

struct postal_address {
  std::string first_name;
  std::string last_name;
  std::string street;
  std::string city;
  std::string postal_code;
  std::string country = "RU";
};

struct order_line_request {
  int64_t product_id = 0;
  int32_t quantity = 0;
};

struct new_order {
  int64_t user_id = 0;
  std::vector<order_line_request> items;  ///< empty: build the order from the user's cart
  postal_address shipping_address;
  postal_address billing_address;
  std::string payment_method;
  std::string shipping_method;
  std::string idempotency_key;  ///< empty: none
  std::string request_hash;     ///< canonical hash of the request body, with a key
  int32_t max_line_quantity = 999;
};

enum class create_outcome { created, replayed, cart_empty, insufficient_stock, product_unavailable, key_reused,
                            key_in_progress, quantity_over_limit };

struct create_result {
  create_outcome outcome = create_outcome::created;
  order_record order;
  std::vector<int64_t> short_products;        ///< insufficient_stock: which ones
  std::vector<int64_t> unavailable_products;  ///< product_unavailable: unknown or archived
};

/// One transaction: idempotency key, every line reserved (or none), order, items, ledger rows,
/// and the cart emptied when the order came from it.
create_result create_order(pg::connection& c, const new_order& request);

std::optional<order_record> find_order(pg::connection& c, int64_t id);

struct order_page {
  int64_t count = 0;
  std::vector<order_record> rows;
};
/// The user's own orders, newest first.
order_page list_orders(pg::connection& c, int64_t user_id, int64_t limit, int64_t offset);

/// Moves the order from `from` to `to` if it is still in `from` at `version` (and, when
/// `require_unpaid`, still has payment_status unpaid: no charge in flight, unknown or done on
/// any node); when `release_stock`, its reserved units go back through the ledger with `reason`.
/// nullopt when a guard failed (another node moved it or started a charge first).
std::optional<order_record> transition_order(pg::connection& c, int64_t id, domain::order_status from,
                                             int32_t version, domain::order_status to, bool release_stock,
                                             const std::string& reason, bool require_unpaid);

enum class reserve_outcome { reserved, already_reserved, invalid_state, insufficient_stock, not_found };
struct reserve_result {
  reserve_outcome outcome = reserve_outcome::reserved;
  std::optional<order_record> order;    ///< reserved, already_reserved: the order as it is now
  std::vector<int64_t> short_products;  ///< insufficient_stock: which ones
};
/// Reserves the stock of an order whose reservation was released, while domain::can_process
/// allows it: every line with a conditional decrement (quantity >= n) and a ledger row
/// ('order_reserved', as at checkout), and inventory_reserved set, in one transaction; any shortage changes
/// nothing. An order still reserved is left as it is (already_reserved).
reserve_result reserve_order_stock(pg::connection& c, int64_t id);

struct expired_reservations {
  std::vector<int64_t> orders;
  std::vector<int64_t> products;  ///< whose stock came back
};
/// Cancels pending unpaid orders older than `ttl_seconds`, releasing their stock
/// ('reservation_expired'). At most `limit` orders per call.
expired_reservations expire_reservations(pg::connection& c, int64_t ttl_seconds, int64_t limit);

}  // namespace commerce::persistence
