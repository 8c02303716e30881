// Test support: the test data a case needs: unique names, registered users and their tokens,
// products, addresses and order bodies.
#pragma once

#include "tests/http/support/http_client.hpp"
#include "tests/http/support/json_body.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace http_test {

/// A unique, valid, lower-case e-mail: "<tag>.<pid>.<counter>.<ms>@example.com".
std::string unique_email(const std::string& tag = "user");
/// A token of letters and digits unique to this run: "<prefix><pid>x<counter>x<ms>". Products
/// persist in the test database, so names and search terms carry one.
std::string unique_tag(const std::string& prefix = "t");
/// A unique, valid SKU ("<prefix>-<pid>x<counter>x<ms>", at most 64 characters).
std::string unique_sku(const std::string& prefix = "SKU");
/// Percent-encodes everything but unreserved characters (for query strings).
std::string url_encode(const std::string& s);

/// POST /api/auth/register/ with email + password (and optional extra members, e.g.
/// `json_object{{"first_name", "Ann"}}`). Does not assert.
response register_user(client& c, const std::string& email, const std::string& password,
                       const json_object& extra_members = {});
response login(client& c, const std::string& email, const std::string& password);

/// A registered user with its tokens, for tests that just need someone signed in.
struct account {
  std::string email;
  std::string password;
  std::string access;
  std::string refresh;
  int64_t id = 0;
};
/// Registers a fresh user and checks the 201; throws with the response on failure.
/// `extra_members` as for register_user() (e.g. `json_object{{"phone", "+79001234567"}}`).
account new_account(client& c, const std::string& tag = "user", const json_object& extra_members = {});
/// Logs the ADMIN_EMAIL staff user in; throws with the response on failure.
account staff_account(client& c);

/// A POST /api/products/ body; `price` is inserted as written (a JSON number or a quoted string).
std::string product_body(const std::string& name, const std::string& price, int quantity, const std::string& sku,
                         const std::string& description = "");
/// Creates an active product as staff and returns its id; throws with the response unless 201.
int64_t create_product(client& c, const std::string& staff_token, const std::string& name, const std::string& price,
                       int quantity, const std::string& description = "");
/// GET /api/products/{id}/ -> its quantity; throws unless 200.
int64_t stock_of(client& c, int64_t product_id);

/// A valid address object (JSON text) without `country`, so the default "RU" applies.
std::string address_json(const std::string& city = "Moscow");
/// A POST /api/orders/ body with explicit items (an empty list: from the cart) and address_json().
std::string order_body(const std::vector<std::pair<int64_t, int>>& items);

/// POST /api/payments/process/: a card payment of `order_id` with `token`.
std::string process_body(int64_t order_id, const std::string& token);
/// POST /api/payments/refund/: `amount` (a JSON number as written, e.g. "1.005") and `reason`
/// are left out when empty.
std::string refund_body(int64_t order_id, const std::string& amount = "", const std::string& reason = "");
/// POST /api/payments/confirm/.
std::string confirm_body(int64_t payment_id);

}  // namespace http_test
