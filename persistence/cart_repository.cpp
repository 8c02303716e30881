#include "persistence/cart_repository.hpp"

#include <optional>
#include <unordered_set>

namespace commerce::persistence {

namespace {

// Bumps the user's cart version once per row of `changed` (a CTE of the statement's changed
// rows; at most one row reaches it), after those rows are locked: every cart writer takes the
// line locks before the version row, so two writers never wait on each other in a cycle.
// Under READ COMMITTED the conflict update reads the latest committed version, so the returned
// version minus one is the version this change was applied on.
std::string bump_version_from(const char* changed) {
  return std::string{"v AS (INSERT INTO cart_versions AS cv (user_id, version) SELECT $1::bigint, 1 FROM "} + changed +
         " ON CONFLICT (user_id) DO UPDATE SET version = cv.version + 1 RETURNING cv.version)";
}

// The version and the lines of one user, in one snapshot: a row even for an empty cart.
constexpr const char* load_sql =
  "SELECT coalesce(v.version, 0), ci.id, ci.product_id, p.name, p.price_minor, ci.quantity "
  "FROM (SELECT 1) one LEFT JOIN cart_versions v ON v.user_id = $1::bigint "
  "LEFT JOIN (cart_items ci JOIN products p ON p.id = ci.product_id) ON ci.user_id = $1::bigint "
  "ORDER BY ci.id";

// The names and prices of the held lines' products, only while the cart is at version $2.
constexpr const char* refresh_sql =
  "SELECT coalesce(v.version, 0), p.id, p.name, p.price_minor "
  "FROM (SELECT 1) one LEFT JOIN cart_versions v ON v.user_id = $1::bigint "
  "LEFT JOIN products p ON coalesce(v.version, 0) = $2::bigint AND p.id = ANY($3::bigint[])";

// One statement: the product (active), the line as this snapshot has it, the conditional
// upsert (the conflict arm adds to the row's current quantity, within the limit and the stock)
// and the version bump. When nothing changed, the other columns say why.
const std::string add_sql =
  "WITH p AS (SELECT id, name, price_minor, quantity AS stock FROM products WHERE id = $2::bigint AND is_active), "
  "seen AS (SELECT quantity FROM cart_items WHERE user_id = $1::bigint AND product_id = $2::bigint), "
  "up AS (INSERT INTO cart_items AS ci (user_id, product_id, quantity) "
  "  SELECT $1::bigint, p.id, $3::int FROM p WHERE $3::int <= least($4::int, p.stock) "
  "  ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = ci.quantity + EXCLUDED.quantity, updated_at = now() "
  "  WHERE ci.quantity + EXCLUDED.quantity <= least($4::int, (SELECT stock FROM p)) "
  "  RETURNING ci.id, ci.quantity), " +
  bump_version_from("up") +
  " SELECT up.id, up.quantity, v.version, p.id IS NOT NULL, p.name, p.price_minor, p.stock, coalesce(seen.quantity, 0) "
  "FROM (SELECT 1) one LEFT JOIN p ON true LEFT JOIN seen ON true LEFT JOIN up ON true LEFT JOIN v ON true";

const std::string set_sql =
  "WITH it AS (SELECT ci.id, ci.product_id, p.name, p.price_minor, p.quantity AS stock "
  "  FROM cart_items ci JOIN products p ON p.id = ci.product_id WHERE ci.id = $2::bigint AND ci.user_id = $1::bigint), "
  "up AS (UPDATE cart_items ci SET quantity = $3::int, updated_at = now() FROM it "
  "  WHERE ci.id = it.id AND ci.user_id = $1::bigint AND $3::int <= it.stock RETURNING ci.id, ci.quantity), " +
  bump_version_from("up") +
  " SELECT up.id, up.quantity, v.version, it.id IS NOT NULL, it.product_id, it.name, it.price_minor, it.stock "
  "FROM (SELECT 1) one LEFT JOIN it ON true LEFT JOIN up ON true LEFT JOIN v ON true";

const std::string remove_sql =
  "WITH gone AS (DELETE FROM cart_items WHERE id = $2::bigint AND user_id = $1::bigint RETURNING id), " +
  bump_version_from("gone") + " SELECT version FROM v";

const std::string clear_sql =
  "WITH gone AS (DELETE FROM cart_items WHERE user_id = $1::bigint RETURNING 1), " +
  bump_version_from("(SELECT 1 FROM gone LIMIT 1) any_line") + " SELECT version FROM v";

// add_sql for many users at once: request n of the arrays is row n of the result. Each user
// at most once (the joins on user_id rely on it). Rows are written in user order, so two
// batches lock their users' rows in the same order. The lookups are LATERAL with OFFSET 0 so
// they stay index probes per request: the generic plan guesses 100 rows for unnest and would
// otherwise hash-join whole tables.
const std::string add_many_sql =
  "WITH req AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[]) WITH ORDINALITY AS r(user_id, product_id, quantity, n)), "
  "p AS (SELECT req.n, pr.* FROM req CROSS JOIN LATERAL (SELECT id, name, price_minor, quantity AS stock FROM products "
  "  WHERE id = req.product_id AND is_active OFFSET 0) pr), "
  "seen AS (SELECT req.n, ci.quantity FROM req CROSS JOIN LATERAL (SELECT quantity FROM cart_items "
  "  WHERE user_id = req.user_id AND product_id = req.product_id OFFSET 0) ci), "
  "up AS (INSERT INTO cart_items AS ci (user_id, product_id, quantity) "
  "  SELECT req.user_id, p.id, req.quantity FROM req JOIN p ON p.n = req.n WHERE req.quantity <= least($4::int, p.stock) "
  "  ORDER BY req.user_id "
  "  ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = ci.quantity + EXCLUDED.quantity, updated_at = now() "
  "  WHERE ci.quantity + EXCLUDED.quantity <= "
  "    least($4::int, (SELECT pr.quantity FROM products pr WHERE pr.id = EXCLUDED.product_id)) "
  "  RETURNING ci.id, ci.user_id, ci.quantity), "
  "v AS (INSERT INTO cart_versions AS cv (user_id, version) SELECT up.user_id, 1 FROM up ORDER BY up.user_id "
  "  ON CONFLICT (user_id) DO UPDATE SET version = cv.version + 1 RETURNING cv.user_id, cv.version) "
  "SELECT up.id, up.quantity, v.version, p.id IS NOT NULL, p.name, p.price_minor, p.stock, coalesce(seen.quantity, 0) "
  "FROM req LEFT JOIN p ON p.n = req.n LEFT JOIN seen ON seen.n = req.n "
  "LEFT JOIN up ON up.user_id = req.user_id LEFT JOIN v ON v.user_id = req.user_id ORDER BY req.n";

// A change whose snapshot said it fits but whose row moved under it (another writer committed
// first) is run again: the next statement's snapshot sees that writer, so it either applies or
// names the real reason. Bounded: each retry means another writer made progress.
constexpr int max_attempts = 8;

/// What a row of add_sql or add_many_sql says: the change, or nullopt when the add fitted but
/// its line moved under the statement, so it must run again (unless it was the last attempt).
std::optional<cart_change> read_add(pg::row_reader& in, int64_t product_id, int32_t quantity, int32_t max_quantity,
                                    bool last_attempt) {
  auto item_id = in.opt_int64();
  auto line_quantity = in.opt_int64();
  auto version = in.opt_int64();
  if (!in.boolean())
    return cart_change{cart_outcome::product_unavailable, {}, 0, 0};
  auto name = in.str();
  auto price = in.int64();
  auto stock = in.int32();
  auto seen = in.int64();
  if (item_id)
    return cart_change{cart_outcome::ok,
                       cart_line{*item_id, product_id, std::move(name), price, static_cast<int32_t>(*line_quantity)},
                       stock, *version};
  auto total = seen + quantity;
  if (total > max_quantity)
    return cart_change{cart_outcome::quantity_over_limit, {}, stock, 0};
  if (total > stock || last_attempt)
    return cart_change{cart_outcome::insufficient_stock, {}, stock, 0};
  return std::nullopt;
}

std::string held_product_ids(const std::vector<held_cart_line>& held) {
  std::vector<int64_t> ids;
  ids.reserve(held.size());
  for (const auto& l : held)
    ids.push_back(l.product_id);
  return pg::to_param(ids);
}

}  // namespace

cart_snapshot load_cart(pg::connection& c, int64_t user_id) {
  auto r = c.exec(load_sql, {pg::to_param(user_id)});
  cart_snapshot out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    out.version = in.int64();
    if (r.is_null(i, 1))
      continue;  // the empty cart's one row
    out.lines.push_back(cart_line{in.int64(), in.int64(), in.str(), in.int64(), in.int32()});
  }
  return out;
}

cart_snapshot refresh_cart(pg::connection& c, int64_t user_id, int64_t version, const std::vector<held_cart_line>& held) {
  auto r = c.exec(refresh_sql, {pg::to_param(user_id), pg::to_param(version), held_product_ids(held)});
  if (r.int64(0, 0) != version)
    return load_cart(c, user_id);
  cart_snapshot out{version, {}};
  out.lines.reserve(held.size());
  for (const auto& h : held) {
    int row = 0;
    while (row < r.rows() && (r.is_null(row, 1) || r.int64(row, 1) != h.product_id))
      ++row;
    if (row == r.rows())
      return load_cart(c, user_id);  // cannot happen while the line exists (a foreign key); be safe
    out.lines.push_back(cart_line{h.item_id, h.product_id, r.str(row, 2), r.int64(row, 3), h.quantity});
  }
  return out;
}

cart_change add_to_cart(pg::connection& c, int64_t user_id, int64_t product_id, int32_t quantity, int32_t max_quantity) {
  for (int attempt = 1;; ++attempt) {
    auto r = c.exec(add_sql, {pg::to_param(user_id), pg::to_param(product_id), std::to_string(quantity),
                              std::to_string(max_quantity)});
    auto in = r.row();
    if (auto change = read_add(in, product_id, quantity, max_quantity, attempt == max_attempts))
      return *change;
  }
}

std::vector<cart_change> add_to_carts(pg::connection& c, const std::vector<cart_add>& adds, int32_t max_quantity) {
  std::vector<cart_change> out;
  out.reserve(adds.size());
  std::unordered_set<int64_t> users;
  for (const auto& a : adds)
    users.insert(a.user_id);
  if (users.size() != adds.size()) {  // a user twice: the statement's one-row-per-user joins would mix them up
    for (const auto& a : adds)
      out.push_back(add_to_cart(c, a.user_id, a.product_id, a.quantity, max_quantity));
    return out;
  }
  std::vector<int64_t> user_ids, product_ids, quantities;
  for (const auto& a : adds) {
    user_ids.push_back(a.user_id);
    product_ids.push_back(a.product_id);
    quantities.push_back(a.quantity);
  }
  auto r = c.exec(add_many_sql, {pg::to_param(user_ids), pg::to_param(product_ids), pg::to_param(quantities),
                                 std::to_string(max_quantity)});
  for (size_t i = 0; i < adds.size(); ++i) {
    const auto& a = adds[i];
    auto in = r.row(static_cast<int>(i));
    auto change = read_add(in, a.product_id, a.quantity, max_quantity, false);
    out.push_back(change ? std::move(*change) : add_to_cart(c, a.user_id, a.product_id, a.quantity, max_quantity));
  }
  return out;
}

cart_change set_cart_quantity(pg::connection& c, int64_t user_id, int64_t item_id, int32_t quantity) {
  for (int attempt = 1;; ++attempt) {
    auto r = c.exec(set_sql, {pg::to_param(user_id), pg::to_param(item_id), std::to_string(quantity)});
    auto in = r.row();
    auto updated = in.opt_int64();
    auto line_quantity = in.opt_int64();
    auto version = in.opt_int64();
    if (!in.boolean())
      return {cart_outcome::item_not_found, {}, 0, 0};
    auto product_id = in.int64();
    auto name = in.str();
    auto price = in.int64();
    auto stock = in.int32();
    if (updated)
      return {cart_outcome::ok, cart_line{*updated, product_id, std::move(name), price, static_cast<int32_t>(*line_quantity)},
              stock, *version};
    if (quantity > stock || attempt == max_attempts)
      return {cart_outcome::insufficient_stock, {}, stock, 0};
    // else: the line was removed meanwhile; the next snapshot says item_not_found
  }
}

int64_t remove_cart_item(pg::connection& c, int64_t user_id, int64_t item_id) {
  auto r = c.exec(remove_sql, {pg::to_param(user_id), pg::to_param(item_id)});
  return r.empty() ? 0 : r.int64(0, 0);
}

int64_t clear_cart(pg::connection& c, int64_t user_id) {
  auto r = c.exec(clear_sql, {pg::to_param(user_id)});
  return r.empty() ? 0 : r.int64(0, 0);
}

}  // namespace commerce::persistence
