// The shipment of one order, booked by its actor (see order_flows.hpp).
#include "actors/order_flows.hpp"

#include "actors/gateway_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors::order_flows {

problem carrier_problem(const std::string& detail, integrations::gateway_outcome outcome) {
  if (outcome == integrations::gateway_outcome::timeout)
    return problem::of(error_code::gateway_timeout, "the shipping gateway did not answer in time");
  spdlog::warn("shipping gateway error: {}", detail);
  return problem::of(error_code::shipping_gateway_error, "the shipping gateway failed; retry later");
}

/// Books the order's shipment: claim (SQL), the carrier call, finish (SQL), each awaited.
void book_shipment(order_ptr self, const order_deps& d, int64_t id, const create_shipment& cmd, caf::response_promise rp) {
  using persistence::claim_outcome;
  auto booking = cmd.request;
  booking.order_id = id;
  auto provider = d.gateways.shipping_provider;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        return persistence::claim_shipment(c, id, booking.service, provider, booking.recipient_json);
      }))
    .await(
      [=](persistence::claim_result& claim) mutable {
        switch (claim.outcome) {
          case claim_outcome::exists:
            return rp.deliver(shipment_reply{problem::of(error_code::shipment_exists, "this order already has a shipment"), {}});
          case claim_outcome::invalid_state:
            return rp.deliver(shipment_reply{problem::invalid_order_state("a cancelled or refunded order is not shipped"), {}});
          case claim_outcome::not_found:
            return rp.deliver(shipment_reply{order_not_found(), {}});
          case claim_outcome::claimed:
            break;
        }
        auto request = booking;
        for (const auto& item : claim.items)
          request.items.push_back({item.sku, item.quantity, item.name, item.unit_price_minor});
        auto shipment_id = claim.shipment_id;
        auto finish = [=](const integrations::shipment_result& booked) mutable {
          bool ok = booked.outcome == integrations::gateway_outcome::succeeded;
          self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
                return persistence::finish_shipment(c, shipment_id, ok, booked.provider_shipment_id,
                                                    booked.tracking_number, booked.status);
              }))
            .await(
              [=](std::optional<persistence::shipment_record>& s) mutable {
                if (!s)
                  return rp.deliver(shipment_reply{carrier_problem(booked.detail, booked.outcome), {}});
                if (self->state.cached)
                  self->state.cached->shipping_created = true;
                rp.deliver(shipment_reply{problem::none(), *s});
              },
              [=](caf::error&) mutable { rp.deliver(shipment_reply{problem::unavailable(), {}}); });
        };
        self->request(d.gateways.shipping, d.gateway_timeout, request)
          .await([=](integrations::shipment_result& booked) mutable { finish(booked); },
                 [=](caf::error& e) mutable {
                   finish(integrations::shipment_result{integrations::gateway_outcome::gateway_error, "", "", "", to_string(e)});
                 });
      },
      [=](caf::error&) mutable { rp.deliver(shipment_reply{problem::unavailable(), {}}); });
}

}  // namespace commerce::actors::order_flows
