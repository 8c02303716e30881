// The shipping protocol: quotes and tracking go to the order supervisor; booking a shipment
// goes through the order's actor, one at a time per order.
#pragma once

#include "actors/order_messages.hpp"
#include "actors/gateway_messages.hpp"
#include "persistence/shipment_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <optional>
#include <string>

namespace commerce::actors {

struct quote_shipping {
  requester who;
  std::optional<int64_t> order_id;  ///< when sent, the caller must own the order
  integrations::quote_request request;
};
struct quote_reply {
  problem error;
  integrations::quote_result quote;
};

struct create_shipment {
  int64_t order_id = 0;
  requester who;
  integrations::shipment_request request;  ///< service, recipient and parcels; the order actor sets the order id and adds the items
};
struct get_shipment {
  int64_t shipment_id = 0;
  requester who;
};
struct shipment_reply {
  problem error;
  persistence::shipment_record shipment;
};

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::quote_shipping)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::quote_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::create_shipment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_shipment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::shipment_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::claim_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<commerce::persistence::shipment_record>)
