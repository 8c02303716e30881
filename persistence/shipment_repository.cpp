#include "persistence/shipment_repository.hpp"

#include "persistence/status_text.hpp"

namespace commerce::persistence {

namespace {

constexpr const char* shipment_columns =
  "s.id, s.order_id, o.user_id, s.service, s.status, s.provider, s.provider_shipment_id, s.tracking_number, "
  "api_time(s.created_at), s.tracking_events::text";

shipment_record read_shipment(const pg::result& r) {
  auto in = r.row(0);
  return shipment_record{in.int64(), in.int64(),   in.int64(),   in.str(), in.str(),
                         in.str(),   in.opt_str(), in.opt_str(), in.str(), in.str()};
}

/// The status of a claimed shipment, before the carrier is called.
std::string creating() { return to_string(domain::shipment_status::creating); }

}  // namespace

claim_result claim_shipment(pg::connection& c, int64_t order_id, const std::string& service, const std::string& provider,
                            const std::string& recipient_json) {
  claim_result out;
  pg::transaction tx{c};
  auto order = tx.exec("SELECT status FROM orders WHERE id = $1::bigint FOR UPDATE", {pg::to_param(order_id)});
  if (order.empty()) {
    out.outcome = claim_outcome::not_found;
    return out;
  }
  auto in = order.row(0);
  if (!domain::can_ship(read_status<domain::order_status>(in))) {
    out.outcome = claim_outcome::invalid_state;
    return out;
  }
  auto claimed = tx.exec("INSERT INTO shipments (order_id, service, status, provider, recipient) "
                         "VALUES ($1::bigint, $2, $5, $3, $4::jsonb) ON CONFLICT (order_id) DO NOTHING RETURNING id",
                         {pg::to_param(order_id), service, provider, recipient_json, creating()});
  if (claimed.empty()) {
    out.outcome = claim_outcome::exists;
    return out;
  }
  out.shipment_id = claimed.row(0).int64();
  auto items = tx.exec("SELECT sku, quantity, product_name, unit_price_minor FROM order_items WHERE order_id = $1::bigint "
                       "ORDER BY id",
                       {pg::to_param(order_id)});
  for (int i = 0; i < items.rows(); ++i) {
    auto item = items.row(i);
    out.items.push_back({item.str(), item.int32(), item.str(), item.int64()});
  }
  tx.commit();
  return out;
}

std::optional<shipment_record> finish_shipment(pg::connection& c, int64_t shipment_id, bool booked,
                                               const std::string& provider_shipment_id,
                                               const std::string& tracking_number, const std::string& status) {
  pg::transaction tx{c};
  if (!booked) {
    tx.exec("DELETE FROM shipments WHERE id = $1::bigint AND status = $2", {pg::to_param(shipment_id), creating()});
    tx.commit();
    return std::nullopt;
  }
  auto r = tx.exec("UPDATE shipments SET status = $2, provider_shipment_id = NULLIF($3, ''), "
                   "tracking_number = NULLIF($4, ''), updated_at = now() WHERE id = $1::bigint RETURNING order_id",
                   {pg::to_param(shipment_id), status, provider_shipment_id, tracking_number});
  tx.exec("UPDATE orders SET shipping_created = true, version = version + 1, updated_at = now() WHERE id = $1::bigint",
          {std::to_string(r.row(0).int64())});
  auto s = tx.exec(std::string{"SELECT "} + shipment_columns +
                     " FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.id = $1::bigint",
                   {pg::to_param(shipment_id)});
  tx.commit();
  return read_shipment(s);
}

std::optional<shipment_record> find_shipment(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + shipment_columns +
                    " FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.id = $1::bigint AND s.status <> $2",
                  {pg::to_param(id), creating()});
  if (r.empty())
    return std::nullopt;
  return read_shipment(r);
}

}  // namespace commerce::persistence
