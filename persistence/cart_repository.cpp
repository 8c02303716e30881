#include "persistence/cart_repository.hpp"

namespace commerce::persistence {

namespace {

constexpr const char* line_select =
  "SELECT ci.id, ci.product_id, p.name, p.price_minor, ci.quantity "
  "FROM cart_items ci JOIN products p ON p.id = ci.product_id ";

cart_line read_line(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  return cart_line{in.int64(), in.int64(), in.str(), in.int64(), in.int32()};
}

cart_line line_by_id(pg::transaction& tx, int64_t item_id) {
  return read_line(tx.exec(std::string{line_select} + "WHERE ci.id = $1::bigint", {pg::to_param(item_id)}));
}

}  // namespace

std::vector<cart_line> load_cart(pg::connection& c, int64_t user_id) {
  auto r = c.exec(std::string{line_select} + "WHERE ci.user_id = $1::bigint ORDER BY ci.id", {pg::to_param(user_id)});
  std::vector<cart_line> lines;
  for (int i = 0; i < r.rows(); ++i)
    lines.push_back(read_line(r, i));
  return lines;
}

cart_change add_to_cart(pg::connection& c, int64_t user_id, int64_t product_id, int32_t quantity, int32_t max_quantity) {
  pg::transaction tx{c};
  auto product = tx.exec("SELECT quantity FROM products WHERE id = $1::bigint AND is_active", {pg::to_param(product_id)});
  if (product.empty())
    return {cart_outcome::product_unavailable, {}, 0};
  auto stock = product.row().int32();
  auto existing = tx.exec("SELECT id, quantity FROM cart_items WHERE user_id = $1::bigint AND product_id = $2::bigint "
                          "FOR UPDATE",
                          {pg::to_param(user_id), pg::to_param(product_id)});
  int64_t total = quantity;
  if (!existing.empty()) {
    auto in = existing.row();
    in.int64();  // id
    total += in.int64();
  }
  if (total > max_quantity)
    return {cart_outcome::quantity_over_limit, {}, stock};
  if (total > stock)
    return {cart_outcome::insufficient_stock, {}, stock};
  auto row = tx.exec("INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1::bigint, $2::bigint, $3::int) "
                     "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = $3::int, updated_at = now() "
                     "RETURNING id",
                     {pg::to_param(user_id), pg::to_param(product_id), std::to_string(total)});
  auto line = line_by_id(tx, row.row().int64());
  tx.commit();
  return {cart_outcome::ok, line, stock};
}

cart_change set_cart_quantity(pg::connection& c, int64_t user_id, int64_t item_id, int32_t quantity) {
  pg::transaction tx{c};
  auto item = tx.exec("SELECT p.quantity FROM cart_items ci JOIN products p ON p.id = ci.product_id "
                      "WHERE ci.id = $1::bigint AND ci.user_id = $2::bigint FOR UPDATE OF ci",
                      {pg::to_param(item_id), pg::to_param(user_id)});
  if (item.empty())
    return {cart_outcome::item_not_found, {}, 0};
  auto stock = item.row().int32();
  if (quantity > stock)
    return {cart_outcome::insufficient_stock, {}, stock};
  tx.exec("UPDATE cart_items SET quantity = $2::int, updated_at = now() WHERE id = $1::bigint",
          {pg::to_param(item_id), std::to_string(quantity)});
  auto line = line_by_id(tx, item_id);
  tx.commit();
  return {cart_outcome::ok, line, stock};
}

bool remove_cart_item(pg::connection& c, int64_t user_id, int64_t item_id) {
  return c.exec("DELETE FROM cart_items WHERE id = $1::bigint AND user_id = $2::bigint",
                {pg::to_param(item_id), pg::to_param(user_id)})
           .affected() == 1;
}

void clear_cart(pg::connection& c, int64_t user_id) {
  c.exec("DELETE FROM cart_items WHERE user_id = $1::bigint", {pg::to_param(user_id)});
}

}  // namespace commerce::persistence
