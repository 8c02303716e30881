// CDEK API v2 (GATEWAYS.md §2.2): OAuth2 client credentials, then JSON with a Bearer token.
//   POST {base}/oauth/token          form grant_type=client_credentials, client_id, client_secret
//   POST {base}/calculator/tariff    {tariff_code, from_location, to_location, packages} -> total_sum, period_max
//   POST {base}/orders               {number, tariff_code, recipient, from_location, to_location, packages}
//                                    -> 202 {entity:{uuid}, requests:[{state, errors}]}
//   GET  {base}/orders/{uuid}        (or ?cdek_number=) -> {entity:{uuid, cdek_number,
//                                    statuses:[{code, name, date_time, city}]}}  (tracking)
// Both services are door to door, so a parcel leaves from SHIPPING_ORIGIN_POSTAL_CODE and
// arrives at the recipient's address: standard is tariff 139 (parcel), express 480 (express).
// Weights are grams and sides centimetres, as CDEK counts them. The CDEK number and track are
// assigned later by CDEK; the booking keeps the entity uuid.
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/shipping_gateway.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/url.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

namespace commerce::integrations {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;
using clock_type = std::chrono::steady_clock;

int tariff_of(const std::string& service) { return service == "express" ? 480 : 139; }

void write_location(writer& w, const char* key, const std::string& postal_code, const std::string& city,
                    const std::string& address) {
  w.Key(key);
  w.StartObject();
  write_text(w, "postal_code", postal_code);
  if (!city.empty())
    write_text(w, "city", city);
  if (!address.empty())
    write_text(w, "address", address);
  w.EndObject();
}

void write_dimensions(writer& w, const parcel& p) {
  w.Key("weight");
  w.Int64(p.weight_grams);
  if (p.length_cm > 0) {
    w.Key("length");
    w.Int64(p.length_cm);
    w.Key("width");
    w.Int64(p.width_cm);
    w.Key("height");
    w.Int64(p.height_cm);
  }
}

/// CDEK's errors, from `errors` or `requests[].errors` ([{code, message}]), as one line.
std::string cdek_errors(const rapidjson::Value& answer) {
  std::string out;
  auto collect = [&](const rapidjson::Value& holder) {
    auto errors = holder.FindMember("errors");
    if (errors == holder.MemberEnd() || !errors->value.IsArray())
      return;
    for (const auto& e : errors->value.GetArray())
      out += (out.empty() ? "" : "; ") + json_text(e, "code") + " " + json_text(e, "message");
  };
  if (!answer.IsObject())
    return out;
  collect(answer);
  auto requests = answer.FindMember("requests");
  if (requests != answer.MemberEnd() && requests->value.IsArray())
    for (const auto& r : requests->value.GetArray())
      if (r.IsObject())
        collect(r);
  return out;
}

}  // namespace

std::optional<answers::cdek_token> answers::cdek_token_answer(const outbound_response& r, gateway_outcome& outcome,
                                                             std::string& detail) {
  rapidjson::Document d;
  if (!usable_answer(r, d, outcome, detail)) {
    detail = "CDEK token: " + detail;
    return std::nullopt;
  }
  auto token = json_text(d, "access_token");
  if (token.empty()) {
    outcome = gateway_outcome::gateway_error;
    detail = "CDEK answered no access_token";
    return std::nullopt;
  }
  return cdek_token{token, static_cast<int64_t>(json_number(d, "expires_in").value_or(3600))};
}

quote_result answers::cdek_quote(const outbound_response& r, const std::string& service) {
  quote_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto total = json_number(d, "total_sum");
  if (!total || *total < 0) {
    out.detail = "CDEK answered no total_sum: " + cdek_errors(d);
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.cost_minor = std::llround(*total * 100);
  out.delivery_days = static_cast<int64_t>(json_number(d, "period_max").value_or(0));
  out.service = service;
  return out;
}

shipment_result answers::cdek_shipment(const outbound_response& r) {
  shipment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail)) {
    rapidjson::Document errors;
    if (parse_untrusted_json(r.body, errors).ok() && !cdek_errors(errors).empty())
      out.detail += ": " + cdek_errors(errors);
    return out;
  }
  std::string state;
  auto requests = d.FindMember("requests");
  if (requests != d.MemberEnd() && requests->value.IsArray() && !requests->value.Empty())
    state = json_text(requests->value[0], "state");
  auto entity = d.FindMember("entity");
  if (entity != d.MemberEnd())
    out.provider_shipment_id = json_text(entity->value, "uuid");
  if (state == "INVALID" || out.provider_shipment_id.empty()) {
    out.outcome = gateway_outcome::failed;
    out.detail = "CDEK refused the order: " + cdek_errors(d);
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.status = state == "SUCCESSFUL" ? "created" : "accepted";
  return out;
}

tracking_result answers::cdek_tracking(const outbound_response& r) {
  tracking_result out;
  rapidjson::Document d;
  if (r.failure == outbound_failure::none && r.status == 404) {
    out.outcome = gateway_outcome::failed;
    out.detail = "CDEK does not know this order";
    return out;
  }
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto entity = d.FindMember("entity");
  if (entity == d.MemberEnd() || !entity->value.IsObject()) {
    out.outcome = gateway_outcome::failed;
    out.detail = "CDEK answered no order: " + cdek_errors(d);
    return out;
  }
  out.tracking_number = json_text(entity->value, "cdek_number");
  auto statuses = entity->value.FindMember("statuses");
  if (statuses != entity->value.MemberEnd() && statuses->value.IsArray())
    for (const auto& st : statuses->value.GetArray())
      if (st.IsObject() && !json_text(st, "code").empty())
        out.events.push_back({lower_case(json_text(st, "code")), json_text(st, "date_time"), json_text(st, "city")});
  // CDEK lists the newest first; events read oldest first.
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const tracking_event& a, const tracking_event& b) { return a.time < b.time; });
  if (out.events.empty()) {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "CDEK answered no status yet";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.status = out.events.back().status;
  return out;
}

namespace {

class cdek final : public shipping_gateway {
public:
  cdek(std::string base_url, std::shared_ptr<gateway_client> client, shipping_credentials credentials)
    : base_(std::move(base_url)), client_(std::move(client)), credentials_(std::move(credentials)) {}

  const std::string& provider() const override { return name_; }

  quote_result quote(const quote_request& q) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("tariff_code");
    w.Int(tariff_of(q.service));
    write_location(w, "from_location", credentials_.origin_postal_code, "", "");
    write_location(w, "to_location", q.destination.postal_code, q.destination.city, q.destination.street);
    w.Key("packages");
    w.StartArray();
    for (const auto& p : q.parcels) {
      w.StartObject();
      write_dimensions(w, p);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    // A tariff calculation changes nothing at CDEK: safe to retry.
    quote_result out;
    auto r = authorized_call("calculate_shipping", "POST", "/calculator/tariff", buf.GetString(), true, out.outcome,
                             out.detail);
    if (!r)
      return out;
    return answers::cdek_quote(*r, q.service);
  }

  shipment_result create(const shipment_request& s) override {
    auto parcels = parcels_or_default(s, credentials_.default_parcel_grams);
    int64_t units = 0;
    for (const auto& item : s.items)
      units += item.quantity;
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    // Our order id is CDEK's "number" (im_number): CDEK refuses a second order with the same
    // number, so a repeated booking cannot create two parcels.
    write_text(w, "number", std::to_string(s.order_id));
    w.Key("tariff_code");
    w.Int(tariff_of(s.service));
    w.Key("recipient");
    w.StartObject();
    write_text(w, "name", s.recipient_name);
    w.Key("phones");
    w.StartArray();
    w.StartObject();
    write_text(w, "number", s.recipient_phone);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    write_location(w, "from_location", credentials_.origin_postal_code, "", credentials_.origin_address);
    write_location(w, "to_location", s.address.postal_code, s.address.city, s.address.street);
    w.Key("packages");
    w.StartArray();
    for (size_t i = 0; i < parcels.size(); ++i) {
      w.StartObject();
      write_text(w, "number", std::to_string(i + 1));
      write_dimensions(w, parcels[i]);
      if (i == 0) {
        // CDEK wants each item's weight; we know only the parcel's, so it is shared out evenly.
        int64_t unit_grams = units > 0 ? std::max<int64_t>(1, parcels[0].weight_grams / units) : 1;
        w.Key("items");
        w.StartArray();
        for (const auto& item : s.items) {
          w.StartObject();
          write_text(w, "name", item.name.empty() ? item.sku : item.name);
          write_text(w, "ware_key", item.sku);
          w.Key("payment");  // paid online: nothing to collect on delivery
          w.StartObject();
          w.Key("value");
          w.Int(0);
          w.EndObject();
          write_amount(w, "cost", item.unit_price_minor);
          w.Key("weight");
          w.Int64(unit_grams);
          w.Key("amount");
          w.Int(item.quantity);
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    shipment_result out;
    auto r = authorized_call("create_shipment", "POST", "/orders", buf.GetString(), false, out.outcome, out.detail);
    if (!r)
      return out;
    return answers::cdek_shipment(*r);
  }

  tracking_result track(const tracking_request& t) override {
    tracking_result out;
    std::string path;
    if (!t.provider_shipment_id.empty())
      path = "/orders/" + common::percent_encode(t.provider_shipment_id);
    else if (!t.tracking_number.empty())
      path = "/orders?cdek_number=" + common::percent_encode(t.tracking_number);
    else {
      out.outcome = gateway_outcome::failed;
      out.detail = "no CDEK uuid or number to track by";
      return out;
    }
    auto r = authorized_call("track_shipment", "GET", path, "", true, out.outcome, out.detail);
    if (!r)
      return out;
    return answers::cdek_tracking(*r);
  }

private:
  /// A call with the cached access token; a new token is fetched when there is none, when it
  /// has (nearly) expired, or once when CDEK answers 401. nullopt when no token could be had.
  std::optional<outbound_response> authorized_call(const std::string& operation, const std::string& method,
                                                   const std::string& path, const std::string& body, bool retry_safe,
                                                   gateway_outcome& outcome, std::string& detail) {
    for (int round = 0; round < 2; ++round) {
      auto token = access_token(round > 0, outcome, detail);
      if (!token)
        return std::nullopt;
      auto r = client_->call({name_, operation, method, base_ + path,
                              {"Content-Type: application/json", "Authorization: Bearer " + *token}, body, retry_safe});
      if (r.status != 401)
        return r;
    }
    outcome = gateway_outcome::gateway_error;
    detail = "CDEK refused a fresh access token (401)";
    return std::nullopt;
  }

  std::optional<std::string> access_token(bool renew, gateway_outcome& outcome, std::string& detail) {
    std::lock_guard<std::mutex> guard{token_mtx_};
    if (!renew && !token_.empty() && clock_type::now() < token_expires_)
      return token_;
    token_.clear();
    auto r = client_->call({name_, "oauth_token", "POST", base_ + "/oauth/token",
                            {"Content-Type: application/x-www-form-urlencoded"},
                            form_encode({{"grant_type", "client_credentials"},
                                         {"client_id", credentials_.account_id},
                                         {"client_secret", credentials_.secret}}),
                            true});
    auto answer = answers::cdek_token_answer(r, outcome, detail);
    if (!answer)
      return std::nullopt;
    // Renewed a minute early, so a token never expires between our check and CDEK's.
    token_ = answer->access_token;
    token_expires_ = clock_type::now() + std::chrono::seconds(std::max<int64_t>(0, answer->lifetime_seconds - 60));
    return token_;
  }

  std::string name_ = "cdek";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  shipping_credentials credentials_;
  std::mutex token_mtx_;
  std::string token_;
  clock_type::time_point token_expires_;
};

}  // namespace

std::unique_ptr<shipping_gateway> make_cdek(std::string base_url, std::shared_ptr<gateway_client> client,
                                            shipping_credentials credentials) {
  return std::make_unique<cdek>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
