// SQL for products and the inventory ledger. Stock only moves through change_stock() or an
// order's reservation (order_repository), each a conditional UPDATE plus a ledger row in one
// transaction, so stock never goes below zero whatever runs concurrently.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct product_record {
  int64_t id = 0;
  std::string name;
  std::string description;
  int64_t price_minor = 0;
  std::string sku;
  int32_t quantity = 0;
  bool is_active = true;
  std::string created_at;
  std::string updated_at;
};

/// Writable product fields; absent ones are left unchanged on update.
struct product_fields {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<int64_t> price_minor;
  std::optional<std::string> sku;
  std::optional<int32_t> quantity;
};

struct sku_taken : std::runtime_error {
  sku_taken() : std::runtime_error("sku already exists") {}
};

/// Active or archived; nullopt when the id was never used.
std::optional<product_record> find_product(pg::connection& c, int64_t id);
/// find_product for many ids in one statement: entry i is the product of ids[i], if any.
std::vector<std::optional<product_record>> find_products(pg::connection& c, const std::vector<int64_t>& ids);
/// Inserts the product and, for a positive quantity, its 'initial' ledger row.
product_record insert_product(pg::connection& c, const product_fields& f);
/// Updates an active product; a quantity goes through the ledger as 'set'. nullopt if not active.
std::optional<product_record> update_product(pg::connection& c, int64_t id, const product_fields& f);
/// Archives (is_active = false); false if it was not active.
bool archive_product(pg::connection& c, int64_t id);

/// Counting every match of a broad term on every page was most of a search's cost.
constexpr int64_t default_exact_count_limit = 1000;

struct product_query {
  std::string search;  ///< substring of name, description or sku, any case; %, _ and \ are literal
  std::optional<int64_t> min_price_minor;
  std::optional<int64_t> max_price_minor;
  std::string order_by = "id";  ///< id, -id, price, -price, name, -name, created_at, -created_at
  int64_t limit = 20;
  int64_t offset = 0;
  /// Matches are counted exactly up to this many; beyond it `count` is an estimate.
  int64_t exact_count_limit = default_exact_count_limit;
};
struct product_page {
  /// Exact when count_is_estimate is false. Otherwise more than exact_count_limit products match and
  /// count is PostgreSQL's planner estimate, raised to at least exact_count_limit + 1 and to what the
  /// page itself shows (offset + rows, plus one when another page follows), so `next` stays right.
  int64_t count = 0;
  bool count_is_estimate = false;
  std::vector<product_record> rows;
};
product_page list_products(pg::connection& c, const product_query& q);

/// A query's matches in its order, without the page: what the catalog keeps for a query so that
/// its other pages cost only their own rows (search terms are asked for page after page).
struct product_matches {
  /// The first matches in order: every match when the count is exact, else exact_count_limit + 1.
  std::vector<int64_t> ids;
  int64_t count = 0;  ///< as product_page::count
  bool count_is_estimate = false;
};
/// q's filters and order; q.limit and q.offset are ignored. One statement, plus the planner's
/// estimate when more than q.exact_count_limit products match.
product_matches match_products(pg::connection& c, const product_query& q);

/// The ids of q's page as `m` lists them, and the count its page shows.
struct page_of_ids {
  std::vector<int64_t> ids;
  int64_t count = 0;
  bool count_is_estimate = false;
};
/// nullopt when `m` stops short of the page (or of knowing whether another page follows).
std::optional<page_of_ids> cut_page(const product_matches& m, const product_query& q);
/// The page's rows read by id, in order. A product archived since `m` was read is left out.
product_page read_page(pg::connection& c, const page_of_ids& page);

enum class stock_operation { sale, restock, set };
enum class stock_outcome { changed, not_found, insufficient, above_limit };
struct stock_result {
  stock_outcome outcome = stock_outcome::changed;
  product_record product;
};
/// sale subtracts (never below zero), restock adds (never above `max_stock`), set assigns.
stock_result change_stock(pg::connection& c, int64_t id, stock_operation op, int32_t quantity, int32_t max_stock);

/// Σ ledger deltas for a product (what reconciliation and the tests compare with the stock).
int64_t ledger_sum(pg::connection& c, int64_t product_id);

}  // namespace commerce::persistence
