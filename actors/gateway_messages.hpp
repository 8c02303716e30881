// The protocol of the integration actors, one per gateway kind (payment, shipping, e-mail,
// SMS): the domain asks them for gateway work and gets the provider's answer as the reply.
// The integration types that are requests on their own (refund_request, quote_request,
// shipment_request, tracking_request, email_message, sms_message) are sent as they are.
#pragma once

#include "actors/supervision_messages.hpp"
#include "integrations/email_gateway.hpp"
#include "integrations/gateway_client.hpp"
#include "integrations/inventory_gateway.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/shipping_gateway.hpp"
#include "integrations/sms_gateway.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

/// A new payment. One-step: create it, then (unless it already succeeded) read its status,
/// which is what counts (API.md §3.5). Two-step: create only; the buyer confirms at the
/// confirmation URL and a later fetch settles it. Replies integrations::payment_result.
struct charge_payment {
  integrations::charge_request request;
  bool two_step = false;
};

/// Settles a charge whose outcome is unknown: the provider is asked for the order's payment
/// where it can be (find_by_order), else the same request goes again under the same key.
/// Replies integrations::payment_result.
struct settle_charge {
  integrations::charge_request request;
  bool two_step = false;
};

/// The payment's current status at the provider. Replies integrations::payment_result.
struct fetch_payment {
  std::string provider_payment_id;
};

/// A provider's webhook, as received. The order supervisor has the payment actor check its
/// signature (the reply is a webhook_verdict) and, when it holds, has the order's actor
/// re-read its pending payment from the provider.
struct payment_webhook {
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  int64_t received_at = 0;  ///< unix seconds
};
struct webhook_verdict {
  bool valid = false;
  integrations::webhook_event event;
  std::string ack;  ///< the body the provider expects in our 200
};

/// One page (1 first) of the warehouse's stock feed. Replies integrations::inventory_page.
struct fetch_inventory_page {
  int64_t page = 1;
};

/// What an integration actor answers to stats_atom (the admin console).
struct gateway_status {
  std::string kind;  ///< payment, shipping, email, sms, inventory
  std::string provider;
  std::vector<integrations::breaker_report> breakers;
  integrations::gateway_call_stats calls;
  size_t breakers_changed = 0;  ///< in the answer to a breaker_command: how many it opened or closed
};

/// An administrator trips (`open`) or resets every breaker of the gateway. Replies gateway_status.
struct breaker_command {
  bool open = false;
};

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::gateway_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::breaker_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::charge_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::fetch_payment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::settle_charge)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::payment_webhook)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::webhook_verdict)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::payment_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::refund_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::refund_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::quote_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::quote_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::shipment_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::shipment_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::tracking_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::tracking_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::email_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::send_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::sms_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::fetch_inventory_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::integrations::inventory_page)
