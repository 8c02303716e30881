#include "http/errors.hpp"

#include "http/json.hpp"

#include <unordered_map>

namespace commerce::http {

int status_for(const std::string& code) {
  static const std::unordered_map<std::string, int> statuses = {
    {"invalid_json", 400},          {"validation_error", 400},     {"cart_empty", 400},
    {"amount_mismatch", 400},       {"invalid_signature", 400},       {"refund_exceeds_paid", 400},  {"not_authenticated", 401},
    {"invalid_token", 401},         {"invalid_credentials", 401},  {"permission_denied", 403},
    {"not_found", 404},             {"method_not_allowed", 405},   {"email_exists", 409},
    {"sku_exists", 409},            {"insufficient_stock", 409},   {"invalid_order_state", 409},
    {"order_already_paid", 409},    {"payment_in_progress", 409},  {"shipment_exists", 409},
    {"idempotency_in_progress", 409}, {"payload_too_large", 413},  {"uri_too_long", 414},
    {"unsupported_media_type", 415}, {"headers_too_large", 431},
    {"idempotency_key_reused", 422}, {"rate_limited", 429},        {"internal_error", 500},
    {"payment_gateway_error", 502}, {"shipping_gateway_error", 502}, {"service_unavailable", 503},
    {"gateway_timeout", 504},
  };
  auto it = statuses.find(code);
  return it == statuses.end() ? 500 : it->second;
}

std::string render_problem(const actors::problem& p) {
  rapidjson::StringBuffer buf;
  json::writer w{buf};
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(p.code.empty() ? "internal_error" : p.code);
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
