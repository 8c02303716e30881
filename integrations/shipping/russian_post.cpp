// Russian Post «Отправка» (GATEWAYS.md §2.2): JSON with two credentials on every call, the
// application token and the account's login and password:
//   Authorization: AccessToken <token>
//   X-User-Authorization: Basic base64(login:password)
//   POST {base}/1.0/tariff        {index-from, index-to, mail-category, mail-type, mass(g), dimension?, fragile}
//                                 -> {total-rate, total-vat (kopecks), delivery-time{max-days}}
//   PUT  {base}/1.0/user/backlog  [order] -> {"result-ids":[id], "errors":[{error-codes:[{code, description}]}]}
// Tracking is not here: Russian Post tracks through a separate SOAP service (getOperationHistory,
// own credentials), which we do not speak, so track() keeps the base class's "unsupported".
// standard is an ordinary parcel (POSTAL_PARCEL), express is EMS. A new backlog order has no
// barcode yet (it gets one when a batch is formed), so the booking keeps the backlog id.
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/shipping_gateway.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

namespace commerce::integrations {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

const char* mail_type_of(const std::string& service) { return service == "express" ? "EMS" : "POSTAL_PARCEL"; }

/// Russian postal codes are six digits and never start with 0 (so they are valid JSON numbers).
bool six_digits(const std::string& s) {
  return s.size() == 6 && s[0] != '0' &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Russian Post counts postal codes as numbers.
void write_index(writer& w, const char* key, const std::string& postal_code) {
  w.Key(key);
  w.RawValue(postal_code.c_str(), postal_code.size(), rapidjson::kNumberType);
}

/// The backlog's per-order errors as one line.
std::string backlog_errors(const rapidjson::Value& answer) {
  std::string out;
  auto errors = answer.FindMember("errors");
  if (errors == answer.MemberEnd() || !errors->value.IsArray())
    return out;
  for (const auto& e : errors->value.GetArray()) {
    if (!e.IsObject() || !e.HasMember("error-codes") || !e["error-codes"].IsArray())
      continue;
    for (const auto& code : e["error-codes"].GetArray())
      out += (out.empty() ? "" : "; ") + json_text(code, "code") + " " + json_text(code, "description");
  }
  return out;
}

}  // namespace

quote_result answers::russian_post_quote(const outbound_response& r, const std::string& service) {
  quote_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto rate = json_number(d, "total-rate");
  if (!rate || *rate < 0) {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "Russian Post answered no total-rate";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.cost_minor = static_cast<int64_t>(*rate + json_number(d, "total-vat").value_or(0));  // kopecks
  auto time = d.FindMember("delivery-time");
  if (time != d.MemberEnd())
    out.delivery_days = static_cast<int64_t>(json_number(time->value, "max-days").value_or(0));
  out.service = service;
  return out;
}

shipment_result answers::russian_post_shipment(const outbound_response& r) {
  shipment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto ids = d.FindMember("result-ids");
  if (ids == d.MemberEnd() || !ids->value.IsArray() || ids->value.Empty() || !ids->value[0].IsInt64()) {
    out.outcome = gateway_outcome::failed;
    out.detail = "Russian Post refused the order: " + backlog_errors(d);
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.provider_shipment_id = std::to_string(ids->value[0].GetInt64());
  out.status = "created";
  return out;
}

namespace {

class russian_post final : public shipping_gateway {
public:
  russian_post(std::string base_url, std::shared_ptr<gateway_client> client, shipping_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      credentials_(std::move(credentials)),
      headers_{"Content-Type: application/json;charset=UTF-8", "Accept: application/json;charset=UTF-8",
               "Authorization: AccessToken " + credentials_.access_token,
               "X-User-Authorization: Basic " + base64_text(credentials_.account_id + ":" + credentials_.secret)} {}

  const std::string& provider() const override { return name_; }

  quote_result quote(const quote_request& q) override {
    quote_result out;
    if (!six_digits(q.destination.postal_code)) {
      out.outcome = gateway_outcome::failed;
      out.detail = "Russian Post needs a six-digit postal code";
      return out;
    }
    auto grams = total_grams(q.parcels);
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    write_index(w, "index-from", credentials_.origin_postal_code);
    write_index(w, "index-to", q.destination.postal_code);
    write_text(w, "mail-category", "ORDINARY");
    write_text(w, "mail-type", mail_type_of(q.service));
    w.Key("mass");
    w.Int64(grams);
    if (q.parcels.size() == 1 && q.parcels[0].length_cm > 0) {
      w.Key("dimension");
      w.StartObject();
      w.Key("height");
      w.Int64(q.parcels[0].height_cm);
      w.Key("length");
      w.Int64(q.parcels[0].length_cm);
      w.Key("width");
      w.Int64(q.parcels[0].width_cm);
      w.EndObject();
    }
    w.Key("fragile");
    w.Bool(false);
    w.EndObject();
    // A tariff calculation changes nothing: safe to retry.
    auto r = client_->call({name_, "calculate_shipping", "POST", base_ + "/1.0/tariff", headers_, buf.GetString(), true});
    return answers::russian_post_quote(r, q.service);
  }

  shipment_result create(const shipment_request& s) override {
    shipment_result out;
    if (!six_digits(s.address.postal_code)) {
      out.outcome = gateway_outcome::failed;
      out.detail = "Russian Post needs a six-digit postal code";
      return out;
    }
    auto parcels = parcels_or_default(s, credentials_.default_parcel_grams);
    auto grams = total_grams(parcels);
    std::string phone_digits;
    for (char c : s.recipient_phone)
      if (std::isdigit(static_cast<unsigned char>(c)) && !(phone_digits.empty() && c == '0'))
        phone_digits += c;  // a number, so without leading zeros

    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartArray();
    w.StartObject();
    write_text(w, "order-num", std::to_string(s.order_id));
    write_text(w, "address-type-to", "DEFAULT");
    w.Key("mail-direct");
    w.Int(643);  // Russia
    write_index(w, "index-to", s.address.postal_code);
    write_text(w, "region-to", s.address.region.empty() ? s.address.city : s.address.region);
    write_text(w, "place-to", s.address.city);
    write_text(w, "street-to", s.address.street);
    write_text(w, "recipient-name", s.recipient_name);
    if (!phone_digits.empty()) {
      w.Key("tel-address");
      w.RawValue(phone_digits.c_str(), phone_digits.size(), rapidjson::kNumberType);
    }
    write_text(w, "mail-category", "ORDINARY");
    write_text(w, "mail-type", mail_type_of(s.service));
    w.Key("mass");
    w.Int64(grams);
    w.Key("fragile");
    w.Bool(false);
    w.EndObject();
    w.EndArray();
    // A repeated PUT would add a second backlog order: never retried.
    auto r = client_->call({name_, "create_shipment", "PUT", base_ + "/1.0/user/backlog", headers_, buf.GetString(), false});
    return answers::russian_post_shipment(r);
  }

private:
  std::string name_ = "russian_post";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  shipping_credentials credentials_;
  std::vector<std::string> headers_;
};

}  // namespace

std::unique_ptr<shipping_gateway> make_russian_post(std::string base_url, std::shared_ptr<gateway_client> client,
                                                    shipping_credentials credentials) {
  return std::make_unique<russian_post>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
