#include "integrations/provider_support.hpp"
#include "common/url.hpp"
#include "integrations/email_gateway.hpp"
#include "integrations/shipping_gateway.hpp"
#include "integrations/sms_gateway.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <stdexcept>

namespace commerce::integrations {

std::string money_text(int64_t minor) {
  char buf[32];
  auto magnitude = minor < 0 ? -minor : minor;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", minor < 0 ? "-" : "", static_cast<long long>(magnitude / 100),
                static_cast<long long>(magnitude % 100));
  return buf;
}

std::string json_text(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject())
    return "";
  auto it = object.FindMember(name);
  if (it == object.MemberEnd())
    return "";
  if (it->value.IsString())
    return {it->value.GetString(), it->value.GetStringLength()};
  if (it->value.IsNumber()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    it->value.Accept(w);
    return buf.GetString();
  }
  return "";
}

std::string lower_case(std::string text) {
  for (auto& ch : text)
    if (ch >= 'A' && ch <= 'Z')
      ch = static_cast<char>(ch - 'A' + 'a');
  return text;
}

bool usable_answer(const outbound_response& r, rapidjson::Document& doc, gateway_outcome& outcome, std::string& detail) {
  outcome = gateway_outcome::gateway_error;
  if (r.failure == outbound_failure::timeout) {
    outcome = gateway_outcome::timeout;
    detail = "gateway timed out";
    return false;
  }
  if (r.failure != outbound_failure::none) {
    detail = "gateway unreachable: " + r.error;
    return false;
  }
  if (r.status < 200 || r.status >= 300) {
    detail = "gateway answered HTTP " + std::to_string(r.status);
    return false;
  }
  if (!parse_untrusted_json(r.body, doc).ok() || !doc.IsObject()) {
    detail = "gateway answered a body that is not a JSON object";
    return false;
  }
  return true;
}

bool may_have_taken_effect(const outbound_response& r) {
  if (!r.request_sent || r.failure == outbound_failure::connect || r.failure == outbound_failure::breaker_open)
    return false;
  if (r.failure != outbound_failure::none)
    return true;  // timed out or dropped after sending
  return r.status >= 500 || r.status == 409 || (r.status >= 200 && r.status < 300);
}

refund_result read_refund_answer(const outbound_response& reply, const std::vector<std::string>& refused_statuses,
                                 const std::string& provider) {
  refund_result out;
  rapidjson::Document d;
  if (!usable_answer(reply, d, out.outcome, out.detail))
    return with_unknown_flag(out, reply);
  out.status = json_text(d, "status");
  if (std::find(refused_statuses.begin(), refused_statuses.end(), out.status) != refused_statuses.end()) {
    out.outcome = gateway_outcome::failed;
    out.detail = provider + " answered refund status " + out.status;
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.provider_refund_id = json_text(d, "id");
  if (out.status.empty())
    out.status = "pending";
  return out;
}

send_result send_result_of(const outbound_response& reply) {
  if (reply.ok())
    return {true, ""};
  return {false, reply.failure != outbound_failure::none ? reply.error : "HTTP " + std::to_string(reply.status)};
}

void write_text(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_amount(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, int64_t minor) {
  auto text = money_text(minor);
  w.Key(key);
  w.RawValue(text.c_str(), text.size(), rapidjson::kNumberType);
}

void write_string_map(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::map<std::string, std::string>& values) {
  w.StartObject();
  for (const auto& [k, v] : values) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [k, v] : fields)
    body += (body.empty() ? "" : "&") + common::percent_encode(k) + "=" + common::percent_encode(v);
  return body;
}

std::map<std::string, std::string> form_decode(const std::string& body) {
  auto decode = [](const std::string& s) { return common::percent_decode(s); };
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('&', start);
    auto pair = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto eq = pair.find('=');
    if (!pair.empty())
      fields[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return fields;
}

std::string base64_text(const std::string& bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                           reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  encoded.resize(static_cast<size_t>(n));
  return encoded;
}

std::optional<double> json_number(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject())
    return std::nullopt;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd())
    return std::nullopt;
  constexpr double limit = 1e15;
  if (it->value.IsNumber() && std::fabs(it->value.GetDouble()) <= limit)
    return it->value.GetDouble();
  if (it->value.IsString()) {
    const char* text = it->value.GetString();
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (end != text && *end == '\0' && std::fabs(v) <= limit)  // also false for NaN
      return v;
  }
  return std::nullopt;
}

std::string basic_auth_header(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + base64_text(user + ":" + password);
}

gateway_outcome outcome_of_status(const std::string& status) {
  if (status == "succeeded")
    return gateway_outcome::succeeded;
  if (status == "pending" || status == "waiting_for_capture")
    return gateway_outcome::pending;
  if (status == "canceled" || status == "cancelled" || status == "failed")
    return gateway_outcome::failed;
  return gateway_outcome::gateway_error;
}

std::unique_ptr<payment_gateway> make_generic_payments(std::string base_url, std::shared_ptr<gateway_client> client);

std::unique_ptr<payment_gateway> make_payment_gateway(const std::string& provider, const std::string& base_url,
                                                      std::shared_ptr<gateway_client> client,
                                                      const payment_credentials& credentials) {
  if (provider == "generic")
    return make_generic_payments(base_url, std::move(client));
  if (provider == "yookassa")
    return make_yookassa(base_url, std::move(client), credentials);
  if (provider == "stripe")
    return make_stripe(base_url, std::move(client), credentials);
  if (provider == "cloudpayments")
    return make_cloudpayments(base_url, std::move(client), credentials);
  throw std::invalid_argument("PAYMENT_PROVIDER '" + provider +
                              "' is not available (available: generic, yookassa, stripe, cloudpayments)");
}

std::unique_ptr<shipping_gateway> make_shipping_gateway(const std::string& provider, const std::string& base_url,
                                                        std::shared_ptr<gateway_client> client,
                                                        const shipping_credentials& credentials) {
  if (provider == "generic")
    return make_generic_shipping(base_url, std::move(client));
  if (provider == "cdek")
    return make_cdek(base_url, std::move(client), credentials);
  if (provider == "boxberry")
    return make_boxberry(base_url, std::move(client), credentials);
  if (provider == "russian_post")
    return make_russian_post(base_url, std::move(client), credentials);
  throw std::invalid_argument("SHIPPING_PROVIDER '" + provider +
                              "' is not available (available: generic, cdek, boxberry, russian_post)");
}

std::vector<parcel> parcels_or_default(const shipment_request& request, int64_t default_grams) {
  if (!request.parcels.empty())
    return request.parcels;
  return {parcel{default_grams, 0, 0, 0}};
}

int64_t total_grams(const std::vector<parcel>& parcels) {
  int64_t grams = 0;
  for (const auto& p : parcels)
    grams += p.weight_grams;
  return grams;
}

std::unique_ptr<email_gateway> make_email_gateway(const std::string& provider, const std::string& base_url,
                                                  std::shared_ptr<gateway_client> client,
                                                  const email_credentials& credentials) {
  if (provider == "generic")
    return make_generic_email(base_url, std::move(client));
  if (provider == "sendgrid")
    return make_sendgrid(base_url, std::move(client), credentials);
  if (provider == "mailgun")
    return make_mailgun(base_url, std::move(client), credentials);
  if (provider == "smtp")
    return make_smtp(base_url, std::move(client), credentials);
  throw std::invalid_argument("EMAIL_PROVIDER '" + provider + "' is not available (available: generic, sendgrid, mailgun, smtp)");
}

std::string email_text(const email_message& m) {
  std::string order = m.order_id ? " #" + std::to_string(*m.order_id) : "";
  if (m.template_name == "order_confirmation")
    return "Thank you! Your order" + order + " is paid and confirmed.";
  if (m.template_name == "order_refunded")
    return "Your order" + order + " has been refunded.";
  if (m.template_name == "order_shipped")
    return "Your order" + order + " is on its way.";
  if (m.template_name == "order_created")
    return "We have received your order" + order + ".";
  if (m.template_name == "abandoned_cart")
    return "You left " + (m.data.count("units") ? m.data.at("units") : std::string{"some"}) +
           " item(s) in your cart. They are waiting for you.";
  if (m.template_name == "verify_email")
    return "Please confirm your e-mail address with this code: " + (m.data.count("token") ? m.data.at("token") : "");
  return m.subject;
}

std::unique_ptr<sms_gateway> make_sms_gateway(const std::string& provider, const std::string& base_url,
                                              std::shared_ptr<gateway_client> client, sms_credentials credentials) {
  if (provider == "twilio")
    return make_twilio(base_url, std::move(client), std::move(credentials));
  if (provider == "sms_ru")
    return make_sms_ru(base_url, std::move(client), std::move(credentials));
  throw std::invalid_argument("SMS_PROVIDER '" + provider + "' is not available (available: twilio, sms_ru)");
}

}  // namespace commerce::integrations
