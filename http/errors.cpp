#include "http/errors.hpp"

#include "http/json.hpp"


namespace commerce::http {

int status_for(error_code code) {
  switch (code) {
    case error_code::invalid_json:
    case error_code::validation_error:
    case error_code::cart_empty:
    case error_code::amount_mismatch:
    case error_code::invalid_signature:
    case error_code::refund_exceeds_paid:
      return 400;
    case error_code::not_authenticated:
    case error_code::invalid_token:
    case error_code::invalid_credentials:
      return 401;
    case error_code::permission_denied:
      return 403;
    case error_code::not_found:
      return 404;
    case error_code::method_not_allowed:
      return 405;
    case error_code::email_exists:
    case error_code::sku_exists:
    case error_code::insufficient_stock:
    case error_code::invalid_order_state:
    case error_code::order_already_paid:
    case error_code::payment_in_progress:
    case error_code::shipment_exists:
    case error_code::idempotency_in_progress:
      return 409;
    case error_code::payload_too_large:
      return 413;
    case error_code::uri_too_long:
      return 414;
    case error_code::unsupported_media_type:
      return 415;
    case error_code::idempotency_key_reused:
      return 422;
    case error_code::rate_limited:
      return 429;
    case error_code::headers_too_large:
      return 431;
    case error_code::none:  // a problem rendered without a code is our bug
    case error_code::internal_error:
      return 500;
    case error_code::payment_gateway_error:
    case error_code::shipping_gateway_error:
      return 502;
    case error_code::service_unavailable:
      return 503;
    case error_code::gateway_timeout:
      return 504;
  }
  return 500;  // not reached: -Werror=switch makes the switch name every code
}

std::string render_problem(const actors::problem& p) {
  rapidjson::StringBuffer buf;
  json::writer w{buf};
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(to_string(p.ok() ? error_code::internal_error : p.code));
  w.Key("message");
  w.String(p.message);
  w.Key("fields");
  w.StartObject();
  for (const auto& [field, messages] : p.fields) {
    w.Key(field.c_str(), static_cast<rapidjson::SizeType>(field.size()));
    w.StartArray();
    for (const auto& m : messages)
      w.String(m);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

}  // namespace commerce::http
