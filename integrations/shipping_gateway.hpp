// The shipping gateway interface: one implementation per carrier (integrations/shipping/),
// chosen by SHIPPING_PROVIDER. Calls block: run them on the gateway pool.
#pragma once

#include "integrations/gateway_client.hpp"
#include "integrations/payment_gateway.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace commerce::integrations {

struct quote_request {
  std::string destination_json;  ///< {city, postal_code, ...} as the client sent it (validated)
  std::string packages_json;     ///< [{weight, dimensions?}, ...]
  std::string service;           ///< standard | express
};

struct quote_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;  ///< succeeded or why not
  int64_t cost_minor = 0;
  int64_t delivery_days = 0;
  std::string service;
  std::string detail;
};

struct shipment_line {
  std::string sku;
  int32_t quantity = 0;
};

struct shipment_request {
  int64_t order_id = 0;
  std::string service;
  std::string recipient_json;  ///< {name, phone, address{city, postal_code, ...}}
  std::vector<shipment_line> items;
};

struct shipment_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;
  std::string provider_shipment_id;
  std::string tracking_number;
  std::string status;
  std::string detail;
};

class shipping_gateway {
public:
  virtual ~shipping_gateway() = default;
  virtual const std::string& provider() const = 0;
  virtual quote_result quote(const quote_request& request) = 0;
  virtual shipment_result create(const shipment_request& request) = 0;
};

/// The carrier named by SHIPPING_PROVIDER; throws std::invalid_argument for an unknown one.
std::unique_ptr<shipping_gateway> make_shipping_gateway(const std::string& provider, const std::string& base_url,
                                                        std::shared_ptr<gateway_client> client);

}  // namespace commerce::integrations
