// Boxberry (GATEWAYS.md §2.2): one endpoint, json.php, whose `method` parameter names the call,
// authenticated by the `token` parameter (kept out of logs: the call record drops the query).
//   GET  {base}?token&method=DeliveryCosts&weight(g)&zip&ordersum&deliverysum&paysum[&height&width&depth]
//        -> {price, price_base, price_service, delivery_period}
//   POST {base}  form token, method=ParselCreate, sdata=<JSON order>  -> {track, label}
//   GET  {base}?token&method=ListStatuses&ImId=<track>  -> [{Date, Name, Comment}]  (tracking)
// Errors come as HTTP 200 with {"err": "..."} (or [{"err": ...}]).
// Boxberry has one courier service (vid 2, to the door by postal code): `express` is quoted
// and booked as that service, and the quote says so (service "standard").
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/shipping_gateway.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace commerce::integrations {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Boxberry's error text, from {"err": ...} or [{"err": ...}]; "" when the answer is no error.
std::string boxberry_error(const rapidjson::Value& answer) {
  const auto& first = answer.IsArray() && !answer.Empty() ? answer[0] : answer;
  if (first.IsObject() && first.HasMember("err"))
    return json_text(first, "err").empty() ? "unspecified error" : json_text(first, "err");
  return "";
}

/// The answer as a JSON object, or why not (a transport failure or a Boxberry error).
bool boxberry_answer(const outbound_response& r, rapidjson::Document& d, gateway_outcome& outcome, std::string& detail) {
  if (r.ok()) {
    auto error = parse_untrusted_json(r.body, d).ok() ? boxberry_error(d) : "";
    if (!error.empty()) {
      outcome = gateway_outcome::failed;
      detail = "Boxberry: " + error;
      return false;
    }
  }
  return usable_answer(r, d, outcome, detail);
}

}  // namespace

quote_result answers::boxberry_quote(const outbound_response& r) {
  quote_result out;
  rapidjson::Document d;
  if (!boxberry_answer(r, d, out.outcome, out.detail))
    return out;
  auto price = json_number(d, "price");
  if (!price || *price < 0) {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "Boxberry answered no price";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.cost_minor = std::llround(*price * 100);
  out.delivery_days = static_cast<int64_t>(json_number(d, "delivery_period").value_or(0));
  out.service = "standard";
  return out;
}

shipment_result answers::boxberry_shipment(const outbound_response& r) {
  shipment_result out;
  rapidjson::Document d;
  if (!boxberry_answer(r, d, out.outcome, out.detail))
    return out;
  out.tracking_number = json_text(d, "track");
  if (out.tracking_number.empty()) {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "Boxberry answered no track number";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.provider_shipment_id = out.tracking_number;
  out.status = "created";
  return out;
}

tracking_result answers::boxberry_tracking(const outbound_response& r) {
  tracking_result out;
  rapidjson::Document d;
  if (!r.ok()) {
    usable_answer(r, d, out.outcome, out.detail);
    return out;
  }
  if (!parse_untrusted_json(r.body, d).ok()) {
    out.detail = "Boxberry answered a body that is not JSON";
    return out;
  }
  if (auto error = boxberry_error(d); !error.empty()) {
    out.outcome = gateway_outcome::failed;
    out.detail = "Boxberry: " + error;
    return out;
  }
  if (!d.IsArray() || d.Empty()) {
    out.detail = "Boxberry answered no statuses";
    return out;
  }
  for (const auto& st : d.GetArray())
    if (st.IsObject() && !json_text(st, "Name").empty())
      out.events.push_back({lower_case(json_text(st, "Name")), json_text(st, "Date"), json_text(st, "Comment")});
  if (out.events.empty()) {
    out.detail = "Boxberry answered no statuses";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.status = out.events.back().status;
  return out;
}

namespace {

class boxberry final : public shipping_gateway {
public:
  boxberry(std::string base_url, std::shared_ptr<gateway_client> client, shipping_credentials credentials)
    : base_(std::move(base_url)), client_(std::move(client)), credentials_(std::move(credentials)) {}

  const std::string& provider() const override { return name_; }

  tracking_result track(const tracking_request& t) override {
    const auto& track = t.tracking_number.empty() ? t.provider_shipment_id : t.tracking_number;
    if (track.empty()) {
      tracking_result out;
      out.outcome = gateway_outcome::failed;
      out.detail = "no Boxberry track number";
      return out;
    }
    auto r = client_->call({name_, "track_shipment", "GET",
                            base_ + "?" + form_encode({{"token", credentials_.secret}, {"method", "ListStatuses"}, {"ImId", track}}),
                            {}, "", true});
    return answers::boxberry_tracking(r);
  }

  quote_result quote(const quote_request& q) override {
    // DeliveryCosts prices one parcel: the parcels travel as one, with their total weight.
    auto grams = total_grams(q.parcels);
    std::vector<std::pair<std::string, std::string>> query = {
      {"token", credentials_.secret}, {"method", "DeliveryCosts"}, {"weight", std::to_string(grams)},
      {"zip", q.destination.postal_code}, {"ordersum", "0"}, {"deliverysum", "0"}, {"paysum", "0"}};
    if (!q.parcels.empty() && q.parcels[0].length_cm > 0) {
      query.push_back({"height", std::to_string(q.parcels[0].height_cm)});
      query.push_back({"width", std::to_string(q.parcels[0].width_cm)});
      query.push_back({"depth", std::to_string(q.parcels[0].length_cm)});
    }
    auto r = client_->call({name_, "calculate_shipping", "GET", base_ + "?" + form_encode(query), {}, "", true});
    return answers::boxberry_quote(r);
  }

  shipment_result create(const shipment_request& s) override {
    auto parcels = parcels_or_default(s, credentials_.default_parcel_grams);
    auto grams = total_grams(parcels);
    int64_t declared_minor = 0;
    for (const auto& item : s.items)
      declared_minor += item.unit_price_minor * item.quantity;

    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    write_text(w, "order_id", std::to_string(s.order_id));
    write_amount(w, "price", declared_minor);
    w.Key("payment_sum");  // paid online: nothing to collect on delivery
    w.Int(0);
    w.Key("delivery_sum");
    w.Int(0);
    write_text(w, "vid", "2");  // courier delivery
    w.Key("kurdost");
    w.StartObject();
    write_text(w, "index", s.address.postal_code);
    write_text(w, "citi", s.address.city);
    write_text(w, "addressp", s.address.street);
    w.EndObject();
    w.Key("customer");
    w.StartObject();
    write_text(w, "fio", s.recipient_name);
    write_text(w, "phone", s.recipient_phone);
    w.EndObject();
    w.Key("items");
    w.StartArray();
    for (const auto& item : s.items) {
      w.StartObject();
      write_text(w, "id", item.sku);
      write_text(w, "name", item.name.empty() ? item.sku : item.name);
      write_text(w, "UnitName", "шт");
      write_amount(w, "price", item.unit_price_minor);
      w.Key("quantity");
      w.Int(item.quantity);
      w.EndObject();
    }
    w.EndArray();
    w.Key("weights");
    w.StartObject();
    w.Key("weight");
    w.Int64(grams);
    w.EndObject();
    w.EndObject();

    auto r = client_->call({name_, "create_shipment", "POST", base_,
                            {"Content-Type: application/x-www-form-urlencoded"},
                            form_encode({{"token", credentials_.secret}, {"method", "ParselCreate"}, {"sdata", buf.GetString()}}),
                            false});
    return answers::boxberry_shipment(r);
  }

private:
  std::string name_ = "boxberry";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  shipping_credentials credentials_;
};

}  // namespace

std::unique_ptr<shipping_gateway> make_boxberry(std::string base_url, std::shared_ptr<gateway_client> client,
                                                shipping_credentials credentials) {
  return std::make_unique<boxberry>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
