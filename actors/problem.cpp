#include "actors/problem.hpp"

#include <ostream>

namespace commerce::actors {

const char* to_string(error_code code) {
  switch (code) {
    case error_code::none: return "";
    case error_code::invalid_json: return "invalid_json";
    case error_code::validation_error: return "validation_error";
    case error_code::cart_empty: return "cart_empty";
    case error_code::amount_mismatch: return "amount_mismatch";
    case error_code::invalid_signature: return "invalid_signature";
    case error_code::refund_exceeds_paid: return "refund_exceeds_paid";
    case error_code::not_authenticated: return "not_authenticated";
    case error_code::invalid_token: return "invalid_token";
    case error_code::invalid_credentials: return "invalid_credentials";
    case error_code::permission_denied: return "permission_denied";
    case error_code::not_found: return "not_found";
    case error_code::method_not_allowed: return "method_not_allowed";
    case error_code::email_exists: return "email_exists";
    case error_code::sku_exists: return "sku_exists";
    case error_code::insufficient_stock: return "insufficient_stock";
    case error_code::invalid_order_state: return "invalid_order_state";
    case error_code::order_already_paid: return "order_already_paid";
    case error_code::payment_in_progress: return "payment_in_progress";
    case error_code::shipment_exists: return "shipment_exists";
    case error_code::idempotency_in_progress: return "idempotency_in_progress";
    case error_code::payload_too_large: return "payload_too_large";
    case error_code::uri_too_long: return "uri_too_long";
    case error_code::unsupported_media_type: return "unsupported_media_type";
    case error_code::idempotency_key_reused: return "idempotency_key_reused";
    case error_code::rate_limited: return "rate_limited";
    case error_code::headers_too_large: return "headers_too_large";
    case error_code::internal_error: return "internal_error";
    case error_code::payment_gateway_error: return "payment_gateway_error";
    case error_code::shipping_gateway_error: return "shipping_gateway_error";
    case error_code::service_unavailable: return "service_unavailable";
    case error_code::gateway_timeout: return "gateway_timeout";
  }
  return "internal_error";  // not reached: the switch covers every code (-Werror=switch)
}

std::ostream& operator<<(std::ostream& out, error_code code) { return out << to_string(code); }

}  // namespace commerce::actors
