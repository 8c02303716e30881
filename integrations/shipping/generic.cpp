// The `generic` carrier: the document's mock API (API.md §6):
//   POST {base}/api/v1/shipping/calculate  {destination, packages, service}
//   POST {base}/api/v1/shipping/orders     {order_id, service, recipient, items:[{sku, quantity}]}
//   GET  {base}/api/v1/shipping/orders/{id}  (ours, GATEWAYS.md §0)
//        -> {id, tracking_number, status, events:[{status, time, location}]}
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/shipping_gateway.hpp"

#include "common/url.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace commerce::integrations {

quote_result answers::generic_quote(const outbound_response& r, const std::string& service) {
  quote_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto cost = json_number(d, "cost");
  if (!cost || !std::isfinite(*cost) || *cost < 0) {
    out.detail = "carrier answered no usable cost";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.cost_minor = std::llround(*cost * 100);
  out.delivery_days = static_cast<int64_t>(json_number(d, "delivery_days").value_or(0));
  out.service = json_text(d, "service");
  if (out.service.empty())
    out.service = service;
  return out;
}

shipment_result answers::generic_shipment(const outbound_response& r) {
  shipment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.outcome = gateway_outcome::succeeded;
  out.provider_shipment_id = json_text(d, "id");
  out.tracking_number = json_text(d, "tracking_number");
  out.status = json_text(d, "status");
  if (out.status.empty())
    out.status = "created";
  return out;
}

tracking_result answers::generic_tracking(const outbound_response& r) {
  tracking_result out;
  rapidjson::Document d;
  if (r.failure == outbound_failure::none && r.status == 404) {
    out.outcome = gateway_outcome::failed;
    out.detail = "the carrier does not know this shipment";
    return out;
  }
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.status = lower_case(json_text(d, "status"));
  if (out.status.empty()) {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "carrier answered no status";
    return out;
  }
  out.outcome = gateway_outcome::succeeded;
  out.tracking_number = json_text(d, "tracking_number");
  auto events = d.FindMember("events");
  if (events != d.MemberEnd() && events->value.IsArray())
    for (const auto& e : events->value.GetArray())
      if (e.IsObject() && !json_text(e, "status").empty())
        out.events.push_back({lower_case(json_text(e, "status")), json_text(e, "time"), json_text(e, "location")});
  return out;
}

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

class generic_shipping final : public shipping_gateway {
public:
  generic_shipping(std::string base_url, std::shared_ptr<gateway_client> client)
    : base_(std::move(base_url)), client_(std::move(client)) {}

  const std::string& provider() const override { return name_; }

  quote_result quote(const quote_request& q) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("destination");
    w.RawValue(q.destination_json.c_str(), q.destination_json.size(), rapidjson::kObjectType);
    w.Key("packages");
    w.RawValue(q.packages_json.c_str(), q.packages_json.size(), rapidjson::kArrayType);
    write_text(w, "service", q.service);
    w.EndObject();
    // A quote changes nothing at the carrier: safe to retry.
    auto r = client_->call({name_, "calculate_shipping", "POST", base_ + "/api/v1/shipping/calculate",
                            {"Content-Type: application/json"}, buf.GetString(), true});
    return answers::generic_quote(r, q.service);
  }

  shipment_result create(const shipment_request& s) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("order_id");
    w.Int64(s.order_id);
    write_text(w, "service", s.service);
    w.Key("recipient");
    w.RawValue(s.recipient_json.c_str(), s.recipient_json.size(), rapidjson::kObjectType);
    w.Key("items");
    w.StartArray();
    for (const auto& item : s.items) {
      w.StartObject();
      write_text(w, "sku", item.sku);
      w.Key("quantity");
      w.Int(item.quantity);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    // Booking a shipment is not idempotent at the generic carrier: never retried.
    auto r = client_->call({name_, "create_shipment", "POST", base_ + "/api/v1/shipping/orders",
                            {"Content-Type: application/json"}, buf.GetString(), false});
    return answers::generic_shipment(r);
  }

  tracking_result track(const tracking_request& t) override {
    if (t.provider_shipment_id.empty()) {
      tracking_result out;
      out.outcome = gateway_outcome::failed;
      out.detail = "no carrier id to track by";
      return out;
    }
    // A read: safe to retry.
    auto r = client_->call({name_, "track_shipment", "GET",
                            base_ + "/api/v1/shipping/orders/" + common::percent_encode(t.provider_shipment_id), {}, "",
                            true});
    return answers::generic_tracking(r);
  }

private:
  std::string name_ = "generic";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
};

}  // namespace

std::unique_ptr<shipping_gateway> make_generic_shipping(std::string base_url, std::shared_ptr<gateway_client> client) {
  return std::make_unique<generic_shipping>(std::move(base_url), std::move(client));
}

}  // namespace commerce::integrations
