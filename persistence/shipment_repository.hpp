// SQL for shipments. Booking runs like a charge: claim (a 'creating' row, unique per order),
// the carrier call outside any transaction, then finish (booked, or the claim released).
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct shipment_record {
  int64_t id = 0;
  int64_t order_id = 0;
  int64_t user_id = 0;  ///< the order's owner
  std::string service;
  std::string status;  ///< the carrier's word, as it came (domain::shipment_status)
  std::string provider;
  std::optional<std::string> provider_shipment_id;
  std::optional<std::string> tracking_number;
  std::string created_at;
  std::string events_json = "[]";  ///< the carrier's events [{status, time, location}], oldest first (tracking job)
};

struct shipment_item {
  std::string sku;
  int32_t quantity = 0;
  std::string name;
  int64_t unit_price_minor = 0;
};

enum class claim_outcome { claimed, exists, invalid_state, not_found };
struct claim_result {
  claim_outcome outcome = claim_outcome::claimed;
  int64_t shipment_id = 0;
  std::vector<shipment_item> items;  ///< what goes in the parcel
};
claim_result claim_shipment(pg::connection& c, int64_t order_id, const std::string& service, const std::string& provider,
                            const std::string& recipient_json);

/// Books the claimed shipment (and sets the order's shipping_created), or releases the claim.
std::optional<shipment_record> finish_shipment(pg::connection& c, int64_t shipment_id, bool booked,
                                               const std::string& provider_shipment_id,
                                               const std::string& tracking_number, const std::string& status);

std::optional<shipment_record> find_shipment(pg::connection& c, int64_t id);

}  // namespace commerce::persistence
