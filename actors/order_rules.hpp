// Checkout rules (API.md §3.4): lines, addresses and methods.
#pragma once

#include "actors/problem.hpp"
#include "persistence/order_repository.hpp"

#include <optional>
#include <string>
#include <vector>

namespace commerce::actors::order_rules {

constexpr size_t max_lines = 100;
constexpr int32_t max_line_quantity = 999;

using address = persistence::postal_address;

/// Required fields present and non-blank, each at most 255 characters; `prefix` names them
/// ("shipping_address.city").
void check_address(const address& a, const std::string& prefix, field_errors& bad);
/// 1..100 lines, quantities 1..999 (explicit items only; an empty list means "from the cart").
void check_lines(const std::vector<persistence::order_line_request>& lines, bool explicit_items, field_errors& bad);
void check_methods(const std::string& payment_method, const std::string& shipping_method, field_errors& bad);

}  // namespace commerce::actors::order_rules
