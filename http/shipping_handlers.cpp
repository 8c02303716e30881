// Shipping endpoints (API.md §3.6): quotes, booking through the order's actor, tracking from
// our own records (never from the carrier, so it never fails because the carrier is down).
#include "actors/shipping_messages.hpp"
#include "http/handler_support.hpp"
#include "http/views.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cmath>

namespace commerce::http {

namespace {

using Pistache::Http::Method;

actors::requester who(const ctx_ptr& ctx) { return {ctx->user->id, ctx->user->is_staff}; }

/// Checks that `obj` has non-blank string members `names`; reports them as `prefix.name`.
void require_strings(json::reader& in, const rapidjson::Value& obj, const std::string& prefix,
                     std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString() ||
        std::string_view{it->value.GetString()}.find_first_not_of(" \t") == std::string_view::npos)
      in.add_error(prefix + "." + name, "this field is required and must be a non-blank string");
  }
}

bool positive_number(const rapidjson::Value& v, double max) {
  return v.IsNumber() && v.GetDouble() > 0 && v.GetDouble() <= max;
}

/// Packages (API.md §3.6: 1-50 of {weight kg, dimensions? {length, width, height}}), as parcels
/// in grams and whole centimetres, the units carriers count in.
std::vector<integrations::parcel> read_packages(json::reader& in, const rapidjson::Value& packages) {
  std::vector<integrations::parcel> parcels;
  if (packages.Empty() || packages.Size() > 50)
    in.add_error("packages", "must hold 1 to 50 packages");
  for (rapidjson::SizeType i = 0; i < packages.Size(); ++i) {
    auto prefix = "packages." + std::to_string(i);
    const auto& p = packages[i];
    if (!p.IsObject()) {
      in.add_error(prefix, "must be an object");
      continue;
    }
    integrations::parcel parcel;
    if (!p.HasMember("weight") || !positive_number(p["weight"], 1000))
      in.add_error(prefix + ".weight", "must be a number above 0 and at most 1000 (kg)");
    else
      parcel.weight_grams = std::max<int64_t>(1, std::llround(p["weight"].GetDouble() * 1000));
    if (p.HasMember("dimensions")) {
      const auto& dim = p["dimensions"];
      int64_t* sides[] = {&parcel.length_cm, &parcel.width_cm, &parcel.height_cm};
      int n = 0;
      for (const char* side : {"length", "width", "height"}) {
        if (!dim.IsObject() || !dim.HasMember(side) || !positive_number(dim[side], 10000))
          in.add_error(prefix + ".dimensions." + side, "must be a positive number");
        else
          *sides[n] = std::max<int64_t>(1, std::llround(std::ceil(dim[side].GetDouble())));
        ++n;
      }
    }
    parcels.push_back(parcel);
  }
  return parcels;
}

/// A string member, or "" when absent or not a string.
std::string text_of(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() ? std::string{it->value.GetString(), it->value.GetStringLength()}
                                                       : std::string{};
}

/// A validated address object as the carriers' typed address.
integrations::postal_address read_address(const rapidjson::Value& address) {
  auto text = [&](const char* name) { return text_of(address, name); };
  integrations::postal_address out;
  if (auto country = text("country"); !country.empty())
    out.country = country;
  out.region = text("region");
  out.city = text("city");
  out.postal_code = text("postal_code");
  out.street = text("street");
  return out;
}

std::string read_service(json::reader& in) {
  auto service = in.string("service", false).value_or("standard");
  if (service != "standard" && service != "express")
    in.add_error("service", "must be \"standard\" or \"express\"");
  return service;
}

void calculate(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  actors::quote_shipping cmd;
  cmd.who = who(ctx);
  cmd.order_id = in.integer("order_id", false);
  cmd.request.service = read_service(in);
  if (const auto* destination = in.object("destination", true)) {
    require_strings(in, *destination, "destination", {"city", "postal_code"});
    cmd.request.destination_json = json::canonical(*destination);
    cmd.request.destination = read_address(*destination);
  }
  if (const auto* packages = in.array("packages", true)) {
    cmd.request.parcels = read_packages(in, *packages);
    cmd.request.packages_json = json::canonical(*packages);
  }
  if (!in.ok())
    return ctx->out->problem(in.problem());
  ask(
    self, ctx->app->orders, ctx, std::move(cmd),
    [ctx](const auto& r) {
      ctx->out->json(200, views::quote(r.quote));
    },
    ctx->gateway_timeout());
}

void create(caf::event_based_actor* self, const ctx_ptr& ctx) {
  rapidjson::Document doc;
  if (!parse_body(ctx, doc))
    return;
  json::reader in{doc};
  auto order_id = in.integer("order_id", true);
  actors::create_shipment cmd;
  auto& booking = cmd.request;
  booking.service = read_service(in);
  if (const auto* recipient = in.object("recipient", true)) {
    require_strings(in, *recipient, "recipient", {"name", "phone"});
    auto address = recipient->FindMember("address");
    if (address == recipient->MemberEnd() || !address->value.IsObject()) {
      in.add_error("recipient.address", "this field is required and must be an object");
    } else {
      require_strings(in, address->value, "recipient.address", {"city", "postal_code"});
      booking.address = read_address(address->value);
    }
    booking.recipient_json = json::canonical(*recipient);
    booking.recipient_name = text_of(*recipient, "name");
    booking.recipient_phone = text_of(*recipient, "phone");
  }
  if (const auto* packages = in.array("packages", false))
    booking.parcels = read_packages(in, *packages);
  if (!in.ok())
    return ctx->out->problem(in.problem());
  cmd.order_id = *order_id;
  cmd.who = who(ctx);
  ask(
    self, ctx->app->orders, ctx, std::move(cmd),
    [ctx](const auto& r) {
      ctx->out->json(201, views::shipment(r.shipment));
    },
    ctx->gateway_timeout());
}

void tracking(caf::event_based_actor* self, const ctx_ptr& ctx) {
  ask(self, ctx->app->orders, ctx, actors::get_shipment{path_id(ctx), who(ctx)},
                              [ctx](const auto& r) {
                                ctx->out->json(200, views::shipment_tracking(r.shipment));
                              });
}

}  // namespace

void add_shipping_routes(router& r) {
  r.add(Method::Post, "/api/shipping/calculate/", access::user, calculate);
  r.add(Method::Post, "/api/shipping/create/", access::user, create);
  r.add(Method::Get, "/api/shipping/tracking/{id}/", access::user, tracking);
}

}  // namespace commerce::http
