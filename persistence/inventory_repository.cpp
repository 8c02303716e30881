#include "persistence/inventory_repository.hpp"

#include "domain/order_lifecycle.hpp"
#include "persistence/status_text.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace commerce::persistence {

namespace {

/// Orders whose reserved units are still in the warehouse: reserved and not yet shipped (a
/// shipped, delivered or refunded order's units are no longer there to count; a cancelled
/// one's went back into stock when it was cancelled).
constexpr std::array<domain::order_status, 3> holding_stock{domain::order_status::pending,
                                                            domain::order_status::confirmed,
                                                            domain::order_status::processing};

/// Units reserved by open orders, per product of `ids` (absent: none).
std::map<int64_t, int64_t> open_reservations(pg::transaction& tx, const std::vector<int64_t>& ids) {
  auto r = tx.exec("SELECT oi.product_id, sum(oi.quantity) FROM order_items oi JOIN orders o ON o.id = oi.order_id "
                   "WHERE o.inventory_reserved AND o.status = ANY($2::text[]) AND oi.product_id = ANY($1::bigint[]) "
                   "GROUP BY oi.product_id",
                   {pg::to_param(ids), status_array(holding_stock)});
  std::map<int64_t, int64_t> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto in = r.row(i);
    auto id = in.int64();
    out[id] = in.int64();
  }
  return out;
}

void write_ledger(pg::transaction& tx, int64_t product_id, int64_t delta, int64_t after, const char* reason,
                  const std::string& job_id) {
  tx.exec("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, job_id) "
          "VALUES ($1::bigint, $2::int, $3::int, $4, $5)",
          {pg::to_param(product_id), std::to_string(delta), std::to_string(after), std::string{reason},
           job_id.empty() ? pg::param{} : pg::param{job_id}});
}

/// Newlines out, length bounded: a message is one line of a status page.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  if (text.size() > 300)
    text.resize(300);
  return text;
}

}  // namespace

stock_sync_batch apply_warehouse_counts(pg::connection& c, const std::vector<warehouse_count>& counts,
                                        const std::string& job_id) {
  stock_sync_batch out;
  std::map<std::string, int32_t> by_sku;  // the last line of a SKU counts
  for (const auto& line : counts)
    by_sku[line.sku] = line.quantity;
  if (by_sku.empty())
    return out;
  std::vector<std::string> skus;
  for (const auto& entry : by_sku)
    skus.push_back(entry.first);

  pg::transaction tx{c};
  // Locked in id order, as order placement locks them, so the two cannot deadlock; from here on
  // no order can reserve or release these products until this batch commits.
  auto rows = tx.exec("SELECT id, sku, quantity FROM products WHERE sku = ANY($1::text[]) AND is_active "
                      "ORDER BY id FOR UPDATE",
                      {pg::to_param(skus)});
  struct product_stock {
    int64_t id;
    std::string sku;
    int64_t quantity;
  };
  std::vector<product_stock> products;
  std::vector<int64_t> ids;
  for (int i = 0; i < rows.rows(); ++i) {
    auto in = rows.row(i);
    product_stock p;
    p.id = in.int64();
    p.sku = in.str();
    p.quantity = in.int64();
    ids.push_back(p.id);
    products.push_back(std::move(p));
  }
  // A statement after the locks: it sees every order committed before them.
  auto reserved = ids.empty() ? std::map<int64_t, int64_t>{} : open_reservations(tx, ids);
  for (const auto& p : products) {
    auto count = by_sku.at(p.sku);
    auto held = reserved.count(p.id) ? reserved.at(p.id) : 0;
    int64_t target = std::max<int64_t>(0, count - held);
    if (count < held)
      out.errors.push_back("sku " + p.sku + ": the warehouse counts " + std::to_string(count) + " but open orders reserve " +
                           std::to_string(held) + "; stock set to 0");
    if (target != p.quantity) {
      // Guarded like every stock move, though the row is locked: the statement is right on its own.
      auto moved = tx.exec("UPDATE products SET quantity = $2::int, updated_at = now() "
                           "WHERE id = $1::bigint AND quantity = $3::int",
                           {pg::to_param(p.id), std::to_string(target), std::to_string(p.quantity)});
      if (moved.affected() != 1)
        throw pg::error("stock of product " + std::to_string(p.id) + " moved under its lock", "");
      write_ledger(tx, p.id, target - p.quantity, target, "sync", job_id);
      out.changed.push_back(p.id);
    }
    ++out.applied;
    out.skus.push_back(p.sku);
    by_sku.erase(p.sku);
  }
  tx.commit();
  for (const auto& [sku, count] : by_sku)
    out.errors.push_back("sku " + sku + ": no active product has it");
  return out;
}

reconcile_batch reconcile_stock(pg::connection& c, int64_t after_id, int64_t limit, const std::string& job_id) {
  reconcile_batch out;
  pg::transaction tx{c};
  auto rows = tx.exec("SELECT id, sku, quantity FROM products WHERE is_active AND id > $1::bigint "
                      "ORDER BY id LIMIT $2::bigint FOR UPDATE",
                      {pg::to_param(after_id), pg::to_param(limit)});
  if (rows.empty())
    return out;
  std::vector<int64_t> ids;
  for (int i = 0; i < rows.rows(); ++i)
    ids.push_back(rows.row(i).int64());
  auto sums = tx.exec("SELECT product_id, sum(delta) FROM inventory_ledger WHERE product_id = ANY($1::bigint[]) "
                      "GROUP BY product_id",
                      {pg::to_param(ids)});
  std::map<int64_t, int64_t> ledger;
  for (int i = 0; i < sums.rows(); ++i) {
    auto in = sums.row(i);
    auto id = in.int64();
    ledger[id] = in.int64();
  }
  for (int i = 0; i < rows.rows(); ++i) {
    auto in = rows.row(i);
    auto id = in.int64();
    auto sku = in.str();
    auto quantity = in.int64();
    auto booked = ledger.count(id) ? ledger.at(id) : 0;
    if (booked != quantity) {
      write_ledger(tx, id, quantity - booked, quantity, "reconcile", job_id);
      out.errors.push_back("sku " + sku + ": stock " + std::to_string(quantity) + " but the ledger summed to " +
                           std::to_string(booked) + "; booked the difference");
    }
  }
  // Open reservations whose ledger rows do not add up to the units the order holds.
  auto unbooked = tx.exec(
    "SELECT p.sku, o.id, sum(oi.quantity)::bigint, "
    "       COALESCE((SELECT -sum(l.delta) FROM inventory_ledger l "
    "                 WHERE l.order_id = o.id AND l.product_id = oi.product_id), 0)::bigint AS booked "
    "FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id "
    "WHERE o.inventory_reserved AND o.status = ANY($2::text[]) AND oi.product_id = ANY($1::bigint[]) "
    "GROUP BY p.sku, o.id, oi.product_id "
    "HAVING sum(oi.quantity) <> COALESCE((SELECT -sum(l.delta) FROM inventory_ledger l "
    "                                     WHERE l.order_id = o.id AND l.product_id = oi.product_id), 0) "
    "ORDER BY o.id",
    {pg::to_param(ids), status_array(holding_stock)});
  for (int i = 0; i < unbooked.rows(); ++i) {
    auto in = unbooked.row(i);
    auto sku = in.str();
    auto order = in.int64();
    auto units = in.int64();
    auto booked = in.int64();
    out.errors.push_back("sku " + sku + ": open order " + std::to_string(order) + " reserves " + std::to_string(units) +
                         " but the ledger books " + std::to_string(booked));
  }
  tx.commit();
  out.checked = static_cast<int64_t>(ids.size());
  if (out.checked == limit)
    out.next_after_id = ids.back();
  return out;
}

void record_inventory_sync(pg::connection& c, const inventory_sync_run& run) {
  std::vector<std::string> kept;
  auto first = run.messages.size() > max_sync_messages ? run.messages.end() - max_sync_messages : run.messages.begin();
  for (auto it = first; it != run.messages.end(); ++it)
    kept.push_back(one_line(*it));
  c.exec("UPDATE inventory_sync_state SET last_sync = now(), products_synced = $1::int, source = $2, errors = $3::int, "
         "error_messages = $4::text[], last_job_id = $5, last_attempt_at = now(), last_attempt_ok = true",
         {pg::to_param(run.products_synced), run.source, pg::to_param(run.errors), pg::to_param(kept), run.job_id});
}

void record_inventory_sync_failure(pg::connection& c, const std::string& job_id, const std::string& error) {
  c.exec("UPDATE inventory_sync_state SET errors = 1, error_messages = $1::text[], last_job_id = $2, "
         "last_attempt_at = now(), last_attempt_ok = false",
         {pg::to_param(std::vector<std::string>{one_line(error)}), job_id});
}

inventory_sync_status read_inventory_sync_status(pg::connection& c) {
  inventory_sync_status out;
  auto r = c.exec("SELECT api_time(last_sync), products_synced, (SELECT count(*) FROM products WHERE is_active), "
                  "source, errors, api_time(last_attempt_at), last_attempt_ok FROM inventory_sync_state");
  if (!r.empty()) {
    auto in = r.row();
    out.last_sync = in.opt_str();
    out.products_synced = in.int64();
    out.total_products = in.int64();
    out.source = in.opt_str();
    out.errors = in.int64();
    out.last_attempt_at = in.opt_str();
    if (auto ok = in.opt_str())
      out.last_attempt_ok = *ok == "t";
  }
  auto messages = c.exec("SELECT m FROM inventory_sync_state, unnest(error_messages) WITH ORDINALITY AS u(m, n) ORDER BY n");
  for (int i = 0; i < messages.rows(); ++i)
    out.error_messages.push_back(messages.str(i, 0));
  return out;
}

}  // namespace commerce::persistence
