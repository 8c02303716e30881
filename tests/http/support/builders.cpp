#include "tests/http/support/builders.hpp"

#include "tests/http/support/json_body.hpp"
#include "tests/http/support/json_read.hpp"
#include "tests/http/support/process.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace http_test {

// ---------------------------------------------------------------------------------------------
// Users and accounts

std::string unique_email(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  return tag + "." + std::to_string(getpid()) + "." + std::to_string(++counter) + "." + std::to_string(ms) +
         "@example.com";
}

response register_user(client& c, const std::string& email, const std::string& password,
                       const json_object& extra_members) {
  return c.post("/api/auth/register/", json_object{{"email", email}, {"password", password}}.merge(extra_members));
}

response login(client& c, const std::string& email, const std::string& password) {
  return c.post("/api/auth/login/", json_object{{"email", email}, {"password", password}});
}

namespace {

account account_from(const response& r, const std::string& email, const std::string& password) {
  account a;
  a.email = email;
  a.password = password;
  a.access = r.str("access");
  a.refresh = r.str("refresh");
  if (r.is_json && r.json.IsObject() && r.json.HasMember("user") && r.json["user"].IsObject() &&
      r.json["user"].HasMember("id") && r.json["user"]["id"].IsInt64())
    a.id = r.json["user"]["id"].GetInt64();
  if (a.access.empty() || a.refresh.empty() || a.id <= 0)
    throw std::runtime_error("no tokens or user id in the response: " + r.describe());
  return a;
}

}  // namespace

account new_account(client& c, const std::string& tag, const json_object& extra_members) {
  auto email = unique_email(tag);
  std::string password = "Secret-pass-" + std::to_string(getpid()) + "x1";
  auto r = register_user(c, email, password, extra_members);
  if (r.status != 201)
    throw std::runtime_error("registering " + email + " failed: " + r.describe());
  return account_from(r, email, password);
}

account staff_account(client& c) {
  auto r = login(c, admin_email, admin_password);
  if (r.status != 200)
    throw std::runtime_error("the staff login (ADMIN_EMAIL) failed: " + r.describe());
  return account_from(r, admin_email, admin_password);
}

// ---------------------------------------------------------------------------------------------
// Catalog, cart and order helpers

namespace {
std::string run_unique_suffix() {
  static std::atomic<int> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  return std::to_string(getpid()) + "x" + std::to_string(++counter) + "x" + std::to_string(ms);
}
}  // namespace

std::string unique_tag(const std::string& prefix) { return prefix + run_unique_suffix(); }

std::string unique_sku(const std::string& prefix) {
  return (prefix + "-" + run_unique_suffix()).substr(0, 64);
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::string product_body(const std::string& name, const std::string& price, int quantity, const std::string& sku,
                         const std::string& description) {
  return json_object{{"name", name},
                     {"price", json_raw(price)},
                     {"quantity", quantity},
                     {"sku", sku},
                     {"description", description}};
}

int64_t create_product(client& c, const std::string& staff_token, const std::string& name, const std::string& price,
                       int quantity, const std::string& description) {
  auto r = c.post("/api/products/", product_body(name, price, quantity, unique_sku(), description), staff_token);
  auto id = r.status == 201 && r.is_json && r.json.IsObject() ? int_of(r.json, "id") : std::nullopt;
  if (!id)
    throw std::runtime_error("creating product " + name + " failed: " + r.describe());
  return *id;
}

int64_t stock_of(client& c, int64_t product_id) {
  auto r = c.get("/api/products/" + std::to_string(product_id) + "/");
  auto q = r.status == 200 && r.is_json && r.json.IsObject() ? int_of(r.json, "quantity") : std::nullopt;
  if (!q)
    throw std::runtime_error("reading the stock of product " + std::to_string(product_id) + " failed: " + r.describe());
  return *q;
}

std::string address_json(const std::string& city) {
  return json_object{{"first_name", "Ivan"},
                     {"last_name", "Petrov"},
                     {"street", "Tverskaya 1"},
                     {"city", city},
                     {"postal_code", "125009"}};
}

std::string order_body(const std::vector<std::pair<int64_t, int>>& items) {
  json_object body;
  if (!items.empty()) {
    json_array list;
    for (const auto& [product_id, quantity] : items)
      list.add(json_object{{"product_id", product_id}, {"quantity", quantity}});
    body.add("items", list);
  }
  return body.add("shipping_address", json_raw(address_json()));
}

std::string process_body(int64_t order_id, const std::string& token) {
  return json_object{{"order_id", order_id}, {"payment_method", "card"}, {"payment_token", token}};
}

std::string refund_body(int64_t order_id, const std::string& amount, const std::string& reason) {
  json_object body{{"order_id", order_id}};
  if (!amount.empty())
    body.add("amount", json_raw(amount));
  if (!reason.empty())
    body.add("reason", reason);
  return body;
}

std::string confirm_body(int64_t payment_id) { return json_object{{"payment_id", payment_id}}; }

}  // namespace http_test
