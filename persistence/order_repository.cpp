#include "persistence/order_repository.hpp"

#include "persistence/idempotency_keys.hpp"
#include "persistence/status_text.hpp"

#include <algorithm>
#include <map>

namespace commerce::persistence {

namespace {

constexpr const char* order_columns =
  "id, user_id, status, payment_status, subtotal_minor, shipping_cost_minor, total_minor, refunded_minor, "
  "currency, shipping_address::text, billing_address::text, payment_method, shipping_method, inventory_reserved, "
  "payment_processed, shipping_created, version, "
  "api_time(created_at), "
  "api_time(updated_at)";

order_record read_order(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  order_record o;
  o.id = in.int64();
  o.user_id = in.int64();
  o.status = read_status<domain::order_status>(in);
  o.payment_status = read_status<domain::payment_status>(in);
  o.subtotal_minor = in.int64();
  o.shipping_cost_minor = in.int64();
  o.total_minor = in.int64();
  o.refunded_minor = in.int64();
  o.currency = in.str();
  o.shipping_address_json = in.str();
  o.billing_address_json = in.str();
  o.payment_method = in.str();
  o.shipping_method = in.str();
  o.inventory_reserved = in.boolean();
  o.payment_processed = in.boolean();
  o.shipping_created = in.boolean();
  o.version = in.int32();
  o.created_at = in.str();
  o.updated_at = in.str();
  return o;
}

/// Loads the items of every order in `orders` with one query.
void attach_items(pg::connection& c, std::vector<order_record>& orders) {
  if (orders.empty())
    return;
  std::string ids = "{";
  std::map<int64_t, order_record*> by_id;
  for (auto& o : orders) {
    ids += (ids.size() > 1 ? "," : "") + std::to_string(o.id);
    by_id[o.id] = &o;
  }
  ids += "}";
  auto r = c.exec("SELECT order_id, product_id, product_name, sku, unit_price_minor, quantity, line_total_minor "
                  "FROM order_items WHERE order_id = ANY($1::bigint[]) ORDER BY order_id, id",
                  {ids});
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    auto& order = *by_id[in.int64()];
    order.items.push_back(order_item_record{in.int64(), in.str(), in.str(), in.int64(), in.int32(), in.int64()});
  }
}

std::optional<order_record> load_order(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + order_columns + " FROM orders WHERE id = $1::bigint", {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  std::vector<order_record> one{read_order(r)};
  attach_items(c, one);
  return std::move(one.front());
}

/// Puts an order's reserved units back, one ledger row per line.
void release_stock(pg::transaction& tx, int64_t order_id, const std::string& reason) {
  tx.exec("WITH lines AS (SELECT product_id, sum(quantity)::int AS quantity FROM order_items "
          "                WHERE order_id = $1::bigint GROUP BY product_id), "
          "restored AS (UPDATE products p SET quantity = p.quantity + l.quantity, updated_at = now() "
          "             FROM lines l WHERE p.id = l.product_id RETURNING p.id, l.quantity, p.quantity AS after) "
          "INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, order_id) "
          "SELECT id, quantity, after, $2, $1::bigint FROM restored",
          {pg::to_param(order_id), reason});
}

}  // namespace

namespace {

/// The whole order in one statement, so one round trip and one implicit transaction:
///  - the lines (the cart's rows locked, or the request's), summed per product;
///  - every product locked in id order (concurrent orders cannot deadlock) and judged on its
///    newest version: over the line limit, unavailable (unknown or archived), short, or ok;
///  - only when every line is ok: an order id, the idempotency key claimed with it (a
///    concurrent request with the same key waits on that row, then finds it taken), every line
///    decremented with its conditional UPDATE (quantity >= n), the order, its items, the ledger
///    rows, and the cart rows that were ordered deleted.
/// Any shortage changes nothing: no write runs unless every line is ok. Should the conditional
/// UPDATE ever take fewer lines than were judged ok, the order's id becomes NULL and the insert
/// fails, which rolls the whole statement back (the locks make that impossible; the NULL keeps
/// it impossible to commit half an order).
/// Rows: created: one per item, the order's columns first; otherwise one per line with its
/// verdict (no rows: no lines).
/// $1 user, $2 from the cart, $3 product ids, $4 quantities, $5 line limit, $6 key ('' none),
/// $7 request hash, $8 endpoint, $9 payment, $10 shipping method, $11-$16 shipping address,
/// $17-$22 billing address.
constexpr const char* one_statement_order_sql = R"SQL(
WITH cart AS (
  SELECT id, product_id, quantity FROM cart_items
  WHERE $2::boolean AND user_id = $1::bigint FOR UPDATE),
asked AS (
  SELECT product_id, quantity FROM cart
  UNION ALL
  SELECT a.product_id, a.quantity FROM unnest($3::bigint[], $4::int[]) AS a(product_id, quantity)
  WHERE NOT $2::boolean),
lines AS (SELECT product_id, sum(quantity)::bigint AS quantity FROM asked GROUP BY product_id),
stock AS (
  SELECT p.id, p.quantity, p.is_active FROM products p
  WHERE p.id IN (SELECT product_id FROM lines)
    AND NOT EXISTS (SELECT 1 FROM lines WHERE quantity > $5::int)
  ORDER BY p.id FOR UPDATE),
verdict AS (
  SELECT l.product_id, l.quantity,
         CASE WHEN l.quantity > $5::int THEN 'over_limit'
              WHEN s.id IS NULL OR NOT s.is_active THEN 'unavailable'
              WHEN s.quantity < l.quantity THEN 'short'
              ELSE 'ok' END AS state
  FROM lines l LEFT JOIN stock s ON s.id = l.product_id),
new_id AS (
  SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id
  WHERE (SELECT count(*) > 0 AND bool_and(state = 'ok') FROM verdict)),
claimed AS (
  INSERT INTO idempotency_keys (user_id, endpoint, key, request_hash, resource_id)
  SELECT $1::bigint, $8, $6, $7, id FROM new_id WHERE $6 <> ''
  ON CONFLICT DO NOTHING RETURNING resource_id),
go AS (SELECT id FROM new_id WHERE $6 = '' OR EXISTS (SELECT 1 FROM claimed)),
reserved AS (
  UPDATE products p SET quantity = p.quantity - l.quantity, updated_at = now()
  FROM lines l
  WHERE p.id = l.product_id AND EXISTS (SELECT 1 FROM go) AND p.is_active AND p.quantity >= l.quantity
  RETURNING p.id, p.name, p.sku, p.price_minor, l.quantity, p.quantity AS after),
created AS (
  INSERT INTO orders (id, user_id, subtotal_minor, total_minor, payment_method, shipping_method,
                      inventory_reserved, shipping_address, billing_address) OVERRIDING SYSTEM VALUE
  SELECT CASE WHEN t.taken = (SELECT count(*) FROM lines) THEN go.id END, $1::bigint, t.subtotal, t.subtotal,
         $9, $10, true,
         jsonb_build_object('first_name', $11::text, 'last_name', $12::text, 'street', $13::text,
                            'city', $14::text, 'postal_code', $15::text, 'country', $16::text),
         jsonb_build_object('first_name', $17::text, 'last_name', $18::text, 'street', $19::text,
                            'city', $20::text, 'postal_code', $21::text, 'country', $22::text)
  FROM go, (SELECT count(*) AS taken, sum(price_minor * quantity) AS subtotal FROM reserved) t
  RETURNING id, user_id, status, payment_status, subtotal_minor, shipping_cost_minor, total_minor,
            refunded_minor, currency, shipping_address::text AS shipping, billing_address::text AS billing,
            payment_method, shipping_method, inventory_reserved, payment_processed, shipping_created, version,
            api_time(created_at) AS created, api_time(updated_at) AS updated),
items AS (
  INSERT INTO order_items (order_id, product_id, product_name, sku, unit_price_minor, quantity, line_total_minor)
  SELECT c.id, r.id, r.name, r.sku, r.price_minor, r.quantity, r.price_minor * r.quantity
  FROM created c, reserved r ORDER BY r.id
  RETURNING product_id, product_name, sku, unit_price_minor, quantity, line_total_minor),
ledger AS (
  INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, order_id)
  SELECT r.id, -r.quantity, r.after, 'order_reserved', c.id FROM created c, reserved r),
emptied AS (
  DELETE FROM cart_items WHERE id IN (SELECT id FROM cart) AND EXISTS (SELECT 1 FROM created))
SELECT c.*, 'item' AS kind, i.product_id, i.product_name, i.sku, i.unit_price_minor, i.quantity::bigint,
       i.line_total_minor
FROM created c, items i
UNION ALL
SELECT NULL::bigint, NULL::bigint, NULL, NULL, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL,
       NULL, NULL, NULL, NULL, NULL::boolean, NULL::boolean, NULL::boolean, NULL::int, NULL, NULL,
       v.state, v.product_id, NULL, NULL, NULL::bigint, v.quantity, NULL::bigint
FROM verdict v WHERE NOT EXISTS (SELECT 1 FROM created)
ORDER BY 21
)SQL";
constexpr int order_column_count = 19;

std::string bigint_array(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (auto v : values)
    out += (out.size() > 1 ? "," : "") + std::to_string(v);
  return out + "}";
}

/// What the one statement did: created (`order` with its items), or nothing, with each line's verdict.
struct order_attempt {
  bool created = false;
  bool any_lines = false;
  bool all_lines_ok = true;
  create_result result;
};

order_attempt attempt_order(pg::connection& c, const new_order& req, const std::string& endpoint) {
  std::vector<int64_t> ids;
  std::vector<int64_t> quantities;
  for (const auto& item : req.items) {
    ids.push_back(item.product_id);
    quantities.push_back(item.quantity);
  }
  const auto& ship = req.shipping_address;
  const auto& bill = req.billing_address;
  auto r = c.exec(one_statement_order_sql,
                  {pg::to_param(req.user_id), pg::to_param(req.items.empty()), bigint_array(ids),
                   bigint_array(quantities), std::to_string(req.max_line_quantity), req.idempotency_key,
                   req.request_hash, endpoint, req.payment_method, req.shipping_method, ship.first_name,
                   ship.last_name, ship.street, ship.city, ship.postal_code, ship.country, bill.first_name,
                   bill.last_name, bill.street, bill.city, bill.postal_code, bill.country});
  order_attempt out;
  out.any_lines = !r.empty();
  for (int i = 0; i < r.rows(); ++i) {
    auto kind = r.text(i, order_column_count);
    auto product_id = r.int64(i, order_column_count + 1);
    if (kind == "item") {
      if (!out.created)
        out.result.order = read_order(r, i);
      out.created = true;
      out.result.order.items.push_back(order_item_record{
        product_id, r.str(i, order_column_count + 2), r.str(i, order_column_count + 3),
        r.int64(i, order_column_count + 4), static_cast<int32_t>(r.int64(i, order_column_count + 5)),
        r.int64(i, order_column_count + 6)});
    } else if (kind == "over_limit") {
      out.all_lines_ok = false;
      out.result.outcome = create_outcome::quantity_over_limit;
      out.result.short_products.push_back(product_id);
    } else if (kind == "unavailable") {
      out.all_lines_ok = false;
      out.result.unavailable_products.push_back(product_id);
    } else if (kind == "short") {
      out.all_lines_ok = false;
      out.result.short_products.push_back(product_id);
    }
  }
  if (out.result.outcome == create_outcome::quantity_over_limit) {
    out.result.unavailable_products.clear();  // only the lines over the limit are named
    return out;
  }
  if (!out.result.unavailable_products.empty())
    out.result.outcome = create_outcome::product_unavailable;
  else if (!out.result.short_products.empty())
    out.result.outcome = create_outcome::insufficient_stock;
  return out;
}

/// The key as it stands now (a statement of its own, so it sees what committed meanwhile).
std::optional<create_result> existing_key_outcome(pg::connection& c, const new_order& req,
                                                  const std::string& endpoint) {
  auto prior = c.exec("SELECT request_hash, resource_id FROM idempotency_keys "
                      "WHERE user_id = $1::bigint AND endpoint = $2 AND key = $3",
                      {pg::to_param(req.user_id), endpoint, req.idempotency_key});
  if (prior.empty())
    return std::nullopt;
  create_result out;
  auto in = prior.row(0);
  bool same_request = in.str() == req.request_hash;
  auto resource = in.opt_int64();
  if (!same_request)
    out.outcome = create_outcome::key_reused;
  else if (!resource)
    out.outcome = create_outcome::key_in_progress;
  else {
    out.outcome = create_outcome::replayed;
    out.order = *load_order(c, *resource);
  }
  return out;
}

}  // namespace

create_result create_order(pg::connection& c, const new_order& req) {
  const std::string endpoint = "orders.create";
  auto attempt = attempt_order(c, req, endpoint);
  if (attempt.created)
    return std::move(attempt.result);
  if (!req.idempotency_key.empty()) {
    // Nothing was written. A request that used the key first (replay, or a different body:
    // reused) answers before this one's own verdict, as when the key was claimed first.
    if (auto earlier = existing_key_outcome(c, req, endpoint))
      return *earlier;
    if (attempt.any_lines && attempt.all_lines_ok) {  // the key was taken, then released
      attempt.result.outcome = create_outcome::key_in_progress;
      return std::move(attempt.result);
    }
  }
  if (!attempt.any_lines)
    attempt.result.outcome = create_outcome::cart_empty;
  return std::move(attempt.result);
}

std::optional<order_record> find_order(pg::connection& c, int64_t id) { return load_order(c, id); }

order_page list_orders(pg::connection& c, int64_t user_id, int64_t limit, int64_t offset) {
  order_page page;
  auto count = c.exec("SELECT count(*) FROM orders WHERE user_id = $1::bigint", {pg::to_param(user_id)});
  page.count = count.row(0).int64();
  if (page.count > offset) {
    auto r = c.exec(std::string{"SELECT "} + order_columns +
                      " FROM orders WHERE user_id = $1::bigint ORDER BY id DESC LIMIT $2::bigint OFFSET $3::bigint",
                    {pg::to_param(user_id), std::to_string(limit), std::to_string(offset)});
    for (int i = 0; i < r.rows(); ++i)
      page.rows.push_back(read_order(r, i));
    attach_items(c, page.rows);
  }
  return page;
}

std::optional<order_record> transition_order(pg::connection& c, int64_t id, domain::order_status from,
                                             int32_t version, domain::order_status to, bool release,
                                             const std::string& reason, bool require_unpaid) {
  pg::transaction tx{c};
  auto moved = tx.exec("UPDATE orders SET status = $4, version = version + 1, updated_at = now(), "
                       "inventory_reserved = CASE WHEN $5::boolean THEN false ELSE inventory_reserved END "
                       "WHERE id = $1::bigint AND status = $2 AND version = $3::int "
                       "AND (NOT $6::boolean OR payment_status = $7) RETURNING id",
                       {pg::to_param(id), to_string(from), std::to_string(version), to_string(to),
                        pg::to_param(release), pg::to_param(require_unpaid), to_string(domain::unpaid_for_cancel)});
  if (moved.empty())
    return std::nullopt;
  if (release)
    release_stock(tx, id, reason);
  tx.commit();
  return load_order(c, id);
}

reserve_result reserve_order_stock(pg::connection& c, int64_t id) {
  reserve_result out;
  pg::transaction tx{c};
  auto order = tx.exec("SELECT status, inventory_reserved FROM orders WHERE id = $1::bigint FOR UPDATE",
                       {pg::to_param(id)});
  if (order.empty()) {
    out.outcome = reserve_outcome::not_found;
    return out;
  }
  auto in = order.row(0);
  auto status = read_status<domain::order_status>(in);
  if (in.boolean()) {
    out.outcome = reserve_outcome::already_reserved;
    tx.commit();
    out.order = load_order(c, id);
    return out;
  }
  if (!domain::can_process(status)) {
    out.outcome = reserve_outcome::invalid_state;
    return out;
  }
  // Summed per product and in id order, as at checkout, so concurrent reservations cannot deadlock.
  auto lines = tx.exec("SELECT product_id, sum(quantity)::int FROM order_items WHERE order_id = $1::bigint "
                       "GROUP BY product_id ORDER BY product_id",
                       {pg::to_param(id)});
  for (int i = 0; i < lines.rows(); ++i) {
    auto line = lines.row(i);
    auto product_id = line.int64();
    auto quantity = line.int32();
    // No is_active condition: the order was placed while it was sold, and keeps its lines.
    auto taken = tx.exec("UPDATE products SET quantity = quantity - $2::int, updated_at = now() "
                         "WHERE id = $1::bigint AND quantity >= $2::int RETURNING quantity",
                         {pg::to_param(product_id), std::to_string(quantity)});
    if (taken.empty()) {
      out.short_products.push_back(product_id);
      continue;  // every line is checked, so the answer names all of them
    }
    tx.exec("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, order_id) "
            "VALUES ($1::bigint, $2::int, $3::int, 'order_reserved', $4::bigint)",
            {pg::to_param(product_id), std::to_string(-quantity), std::to_string(taken.row(0).int64()),
             pg::to_param(id)});
  }
  if (!out.short_products.empty()) {
    out.outcome = reserve_outcome::insufficient_stock;
    return out;  // rolled back: nothing was taken
  }
  tx.exec("UPDATE orders SET inventory_reserved = true, version = version + 1, updated_at = now() "
          "WHERE id = $1::bigint",
          {pg::to_param(id)});
  tx.commit();
  out.order = load_order(c, id);
  return out;
}

expired_reservations expire_reservations(pg::connection& c, int64_t ttl_seconds, int64_t limit) {
  pg::transaction tx{c};
  // SKIP LOCKED: two sweepers (two nodes) split the work instead of waiting on each other.
  const auto& expiry = domain::expiring_reservation;
  auto r = tx.exec("UPDATE orders SET status = $5, version = version + 1, updated_at = now(), "
                   "inventory_reserved = false "
                   "WHERE id IN (SELECT id FROM orders WHERE status = $3 AND payment_status = $4 "
                   "             AND inventory_reserved AND created_at < now() - make_interval(secs => $1::bigint) "
                   "             ORDER BY created_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED) "
                   "RETURNING id",
                   {std::to_string(ttl_seconds), std::to_string(limit), to_string(expiry.from),
                    to_string(expiry.while_payment), to_string(expiry.to)});
  expired_reservations out;
  for (int i = 0; i < r.rows(); ++i) {
    out.orders.push_back(r.row(i).int64());
    release_stock(tx, out.orders.back(), "reservation_expired");
  }
  if (!out.orders.empty()) {
    std::string ids = "{";
    for (auto id : out.orders)
      ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
    auto products = tx.exec("SELECT DISTINCT product_id FROM order_items WHERE order_id = ANY($1::bigint[])", {ids + "}"});
    for (int i = 0; i < products.rows(); ++i)
      out.products.push_back(products.row(i).int64());
  }
  tx.commit();
  return out;
}

}  // namespace commerce::persistence
