// Each provider's "HTTP answer -> result" step, apart from the call that produced the answer:
// pure functions of the exchange (status, body, transport failure), so a test or a fuzz target
// (tests/fuzz/) can feed any answer without a network. Each is defined in its provider's file,
// which calls it right after its request. Mailers read no body: send_result_of
// (provider_support.hpp) is their whole answer reading. Refunds of generic, YooKassa and
// Stripe: read_refund_answer (provider_support.hpp).
#pragma once

#include "integrations/email_gateway.hpp"
#include "integrations/gateway_client.hpp"
#include "integrations/inventory_gateway.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/shipping_gateway.hpp"

#include <optional>
#include <string>

namespace commerce::integrations::answers {

payment_result generic_payment(const outbound_response& r);
payment_result yookassa_payment(const outbound_response& r);
payment_result stripe_payment(const outbound_response& r);
payment_result cloudpayments_payment(const outbound_response& r);
refund_result cloudpayments_refund(const outbound_response& r);

/// A quote for `service` (carriers that answer none keep the one asked for).
quote_result generic_quote(const outbound_response& r, const std::string& service);
shipment_result generic_shipment(const outbound_response& r);
/// GET /api/v1/shipping/orders/{id}: {id, tracking_number, status, events:[{status, time, location}]}.
tracking_result generic_tracking(const outbound_response& r);

/// CDEK's OAuth answer: the token and its lifetime in seconds; nullopt with why in `detail`.
struct cdek_token {
  std::string access_token;
  int64_t lifetime_seconds = 0;
};
std::optional<cdek_token> cdek_token_answer(const outbound_response& r, gateway_outcome& outcome, std::string& detail);
quote_result cdek_quote(const outbound_response& r, const std::string& service);
shipment_result cdek_shipment(const outbound_response& r);
/// GET /orders/{uuid}: {entity:{uuid, cdek_number, statuses:[{code, name, date_time, city}]}}.
tracking_result cdek_tracking(const outbound_response& r);

quote_result boxberry_quote(const outbound_response& r);
shipment_result boxberry_shipment(const outbound_response& r);
/// ListStatuses: [{Date, Name, Comment}] (oldest first), or {err} / [{err}].
tracking_result boxberry_tracking(const outbound_response& r);

quote_result russian_post_quote(const outbound_response& r, const std::string& service);
shipment_result russian_post_shipment(const outbound_response& r);

/// Whether the SMS provider accepted the message (SMS.ru answers per number: `to` without '+').
bool twilio_accepted(const outbound_response& r);
bool sms_ru_accepted(const outbound_response& r, const std::string& to);

/// Page `number` of the generic inventory feed: its well-formed lines, the others counted as
/// rejected (with why, for the first few), and the next page; unusable (gateway_error) when
/// the body has no items array or its next_page does not name a later page.
inventory_page generic_inventory_page(const outbound_response& r, int64_t number);

}  // namespace commerce::integrations::answers
