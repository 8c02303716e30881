// The catalog's rules (API.md §3.2) as pure functions: product fields and stock limits.
#pragma once

#include "actors/problem.hpp"
#include "persistence/catalog_repository.hpp"

namespace commerce::actors::catalog_rules {

constexpr int64_t min_price_minor = 1;               // 0.01
constexpr int64_t max_price_minor = 1'000'000'000;   // 10 000 000.00
constexpr int32_t max_stock = 1'000'000;
constexpr size_t max_name = 255;
constexpr size_t max_description = 10'000;
constexpr size_t max_sku = 64;
constexpr size_t max_search = 200;  // characters: longer is no product's text, only work for the database

/// Checks the given fields (all of name, price and sku when `creating`); trims the name.
field_errors check_product(persistence::product_fields& f, bool creating);

/// Checks a listing's filters: `search` is at most max_search characters.
field_errors check_listing(const persistence::product_query& q);

/// Checks a stock operation's quantity: sale 1..max_stock, restock 1..max_stock, set 0..max_stock.
field_errors check_stock_change(persistence::stock_operation op, int64_t quantity);

}  // namespace commerce::actors::catalog_rules
