#include "persistence/catalog_repository.hpp"

#include <map>

namespace commerce::persistence {

namespace {

constexpr const char* product_columns =
  "id, name, description, price_minor, sku, quantity, is_active, "
  "api_time(created_at), "
  "api_time(updated_at)";

product_record read_product(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  product_record p;
  p.id = in.int64();
  p.name = in.str();
  p.description = in.str();
  p.price_minor = in.int64();
  p.sku = in.str();
  p.quantity = in.int32();
  p.is_active = in.boolean();
  p.created_at = in.str();
  p.updated_at = in.str();
  return p;
}

pg::param opt(const std::optional<int64_t>& v) { return v ? pg::param{std::to_string(*v)} : std::nullopt; }
pg::param opt(const std::optional<int32_t>& v) { return v ? pg::param{std::to_string(*v)} : std::nullopt; }

std::string like_pattern(const std::string& term) {
  std::string out = "%";
  for (char ch : term) {
    if (ch == '%' || ch == '_' || ch == '\\')
      out += '\\';
    out += ch;
  }
  return out + "%";
}

void write_ledger(pg::transaction& tx, int64_t product_id, int64_t delta, int64_t after, const char* reason) {
  tx.exec("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason) "
          "VALUES ($1::bigint, $2::int, $3::int, $4)",
          {pg::to_param(product_id), std::to_string(delta), std::to_string(after), std::string{reason}});
}

template <class Fn>
auto translating_sku_conflict(Fn fn) {
  try {
    return fn();
  } catch (const pg::error& e) {
    if (e.unique_violation())
      throw sku_taken{};
    throw;
  }
}

}  // namespace

std::optional<product_record> find_product(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + product_columns + " FROM products WHERE id = $1::bigint", {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  return read_product(r);
}

product_record insert_product(pg::connection& c, const product_fields& f) {
  pg::transaction tx{c};
  auto r = translating_sku_conflict([&] {
    return tx.exec(std::string{"INSERT INTO products (name, description, price_minor, sku, quantity) "
                               "VALUES ($1, COALESCE($2, ''), $3::bigint, $4, COALESCE($5::int, 0)) RETURNING "} +
                     product_columns,
                   {f.name, f.description, opt(f.price_minor), f.sku, opt(f.quantity)});
  });
  auto p = read_product(r);
  if (p.quantity > 0)
    write_ledger(tx, p.id, p.quantity, p.quantity, "initial");
  tx.commit();
  return p;
}

std::optional<product_record> update_product(pg::connection& c, int64_t id, const product_fields& f) {
  pg::transaction tx{c};
  auto before = tx.exec("SELECT quantity FROM products WHERE id = $1::bigint AND is_active FOR UPDATE",
                        {pg::to_param(id)});
  if (before.empty())
    return std::nullopt;
  auto old_quantity = before.row().int64();
  auto r = translating_sku_conflict([&] {
    return tx.exec(std::string{"UPDATE products SET name = COALESCE($2, name), "
                               "description = COALESCE($3, description), "
                               "price_minor = COALESCE($4::bigint, price_minor), sku = COALESCE($5, sku), "
                               "quantity = COALESCE($6::int, quantity), updated_at = now() "
                               "WHERE id = $1::bigint RETURNING "} +
                     product_columns,
                   {pg::to_param(id), f.name, f.description, opt(f.price_minor), f.sku, opt(f.quantity)});
  });
  auto p = read_product(r);
  if (p.quantity != old_quantity)
    write_ledger(tx, id, p.quantity - old_quantity, p.quantity, "set");
  tx.commit();
  return p;
}

bool archive_product(pg::connection& c, int64_t id) {
  auto r = c.exec("UPDATE products SET is_active = false, updated_at = now() WHERE id = $1::bigint AND is_active",
                  {pg::to_param(id)});
  return r.affected() == 1;
}

product_page list_products(pg::connection& c, const product_query& q) {
  static const std::map<std::string, std::string> orderings = {
    {"id", "id"},          {"-id", "id DESC"},
    {"price", "price_minor, id"}, {"-price", "price_minor DESC, id"},
    {"name", "name, id"},  {"-name", "name DESC, id"},
    {"created_at", "created_at, id"}, {"-created_at", "created_at DESC, id"},
  };
  auto order = orderings.count(q.order_by) ? orderings.at(q.order_by) : "id";
  std::string where = " WHERE is_active"
                      " AND ($1::text IS NULL OR search_text LIKE lower($1))"
                      " AND ($2::bigint IS NULL OR price_minor >= $2::bigint)"
                      " AND ($3::bigint IS NULL OR price_minor <= $3::bigint)";
  pg::params args{q.search.empty() ? std::nullopt : pg::param{like_pattern(q.search)}, opt(q.min_price_minor),
                  opt(q.max_price_minor)};
  product_page page;
  auto count = c.exec("SELECT count(*) FROM products" + where, args);
  page.count = count.row().int64();
  if (page.count > q.offset) {
    args.push_back(std::to_string(q.limit));
    args.push_back(std::to_string(q.offset));
    auto r = c.exec(std::string{"SELECT "} + product_columns + " FROM products" + where + " ORDER BY " + order +
                      " LIMIT $4::bigint OFFSET $5::bigint",
                    args);
    for (int i = 0; i < r.rows(); ++i)
      page.rows.push_back(read_product(r, i));
  }
  return page;
}

stock_result change_stock(pg::connection& c, int64_t id, stock_operation op, int32_t quantity, int32_t max_stock) {
  pg::transaction tx{c};
  auto current = tx.exec("SELECT quantity FROM products WHERE id = $1::bigint AND is_active FOR UPDATE",
                         {pg::to_param(id)});
  if (current.empty())
    return {stock_outcome::not_found, {}};
  int64_t before = current.row().int64();
  int64_t after = op == stock_operation::sale ? before - quantity : op == stock_operation::restock ? before + quantity : quantity;
  if (after < 0)
    return {stock_outcome::insufficient, {}};
  if (after > max_stock)
    return {stock_outcome::above_limit, {}};
  // The row is locked, but the guard stays conditional so the statement is correct on its own.
  auto r = tx.exec(std::string{"UPDATE products SET quantity = $2::int, updated_at = now() "
                               "WHERE id = $1::bigint AND quantity = $3::int RETURNING "} +
                     product_columns,
                   {pg::to_param(id), std::to_string(after), std::to_string(before)});
  if (r.empty())
    return {stock_outcome::insufficient, {}};
  const char* reason = op == stock_operation::sale ? "sale" : op == stock_operation::restock ? "restock" : "set";
  if (after != before)
    write_ledger(tx, id, after - before, after, reason);
  auto p = read_product(r);
  tx.commit();
  return {stock_outcome::changed, p};
}

int64_t ledger_sum(pg::connection& c, int64_t product_id) {
  auto sum = c.exec("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                    {pg::to_param(product_id)});
  return sum.row().int64();
}

}  // namespace commerce::persistence
