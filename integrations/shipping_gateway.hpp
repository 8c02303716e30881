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

/// Where a parcel goes, as the client wrote it (validated: city and postal code are present).
struct postal_address {
  std::string country = "RU";
  std::string region;
  std::string city;
  std::string postal_code;
  std::string street;
};

/// One parcel: weight in grams, sides in centimetres (0 when the client gave none).
struct parcel {
  int64_t weight_grams = 0;
  int64_t length_cm = 0;
  int64_t width_cm = 0;
  int64_t height_cm = 0;
};

struct quote_request {
  std::string destination_json;  ///< {city, postal_code, ...} as the client sent it (validated)
  std::string packages_json;     ///< [{weight, dimensions?}, ...]
  std::string service;           ///< standard | express
  postal_address destination;    ///< the same, read, for carriers with their own field names
  std::vector<parcel> parcels;
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
  std::string name;
  int64_t unit_price_minor = 0;
};

struct shipment_request {
  int64_t order_id = 0;
  std::string service;
  std::string recipient_json;  ///< {name, phone, address{city, postal_code, ...}}
  std::vector<shipment_line> items;
  std::string recipient_name;
  std::string recipient_phone;
  postal_address address;
  std::vector<parcel> parcels;  ///< empty: one parcel of the configured default weight
};

struct shipment_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;
  std::string provider_shipment_id;
  std::string tracking_number;
  std::string status;
  std::string detail;
};

/// A booked shipment, as the carrier knows it.
struct tracking_request {
  int64_t shipment_id = 0;  ///< ours (logs only)
  std::string provider_shipment_id;
  std::string tracking_number;
};

/// One step of the parcel's way, as the carrier reports it.
struct tracking_event {
  std::string status;    ///< lower case (CDEK's codes are lowered)
  std::string time;      ///< as the carrier wrote it (ISO-8601 where it uses it)
  std::string location;  ///< city or office, when given
};

struct tracking_result {
  gateway_outcome outcome = gateway_outcome::gateway_error;  ///< succeeded, failed (unknown to the carrier) or why not
  bool unsupported = false;  ///< the carrier has no tracking API we speak: never asked
  std::string status;        ///< the latest status, lower case
  std::string tracking_number;  ///< when the carrier assigned one meanwhile
  std::vector<tracking_event> events;  ///< oldest first
  std::string detail;
};

class shipping_gateway {
public:
  virtual ~shipping_gateway() = default;
  virtual const std::string& provider() const = 0;
  virtual quote_result quote(const quote_request& request) = 0;
  virtual shipment_result create(const shipment_request& request) = 0;
  /// The shipment's status and events from the carrier's tracking API. Carriers without one
  /// (or one we do not speak) answer `unsupported`, and the tracking job skips them.
  virtual tracking_result track(const tracking_request& request) {
    tracking_result out;
    out.unsupported = true;
    out.detail = provider() + " has no tracking API we speak";
    return out;
  }
};

/// What the carriers other than `generic` need to know about our account and where we ship from.
struct shipping_credentials {
  std::string account_id;           ///< CDEK client_id, Russian Post login
  std::string secret;               ///< CDEK client_secret, Boxberry API token, Russian Post password (never logged)
  std::string access_token;         ///< Russian Post application token (never logged)
  std::string origin_postal_code;   ///< where parcels leave from (CDEK, Russian Post)
  std::string origin_address;       ///< street address of the pick-up point (CDEK door pick-up)
  int64_t default_parcel_grams = 1000;
};

/// The carrier named by SHIPPING_PROVIDER; throws std::invalid_argument for an unknown one.
std::unique_ptr<shipping_gateway> make_shipping_gateway(const std::string& provider, const std::string& base_url,
                                                        std::shared_ptr<gateway_client> client,
                                                        const shipping_credentials& credentials = {});

// One factory per carrier file.
std::unique_ptr<shipping_gateway> make_generic_shipping(std::string base_url, std::shared_ptr<gateway_client> client);
std::unique_ptr<shipping_gateway> make_cdek(std::string base_url, std::shared_ptr<gateway_client> client,
                                            shipping_credentials credentials);
std::unique_ptr<shipping_gateway> make_boxberry(std::string base_url, std::shared_ptr<gateway_client> client,
                                                shipping_credentials credentials);
std::unique_ptr<shipping_gateway> make_russian_post(std::string base_url, std::shared_ptr<gateway_client> client,
                                                    shipping_credentials credentials);

/// The parcels of a booking: the client's, or one of the default weight.
std::vector<parcel> parcels_or_default(const shipment_request& request, int64_t default_grams);

/// The parcels' weight together (carriers that price one consignment).
int64_t total_grams(const std::vector<parcel>& parcels);

}  // namespace commerce::integrations
