#include "actors/periodic_jobs.hpp"

#include "actors/payment_messages.hpp"
#include "persistence/beat_repository.hpp"
#include "persistence/payment_repository.hpp"
#include "persistence/pg_pool.hpp"

#include <caf/all.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

/// A flat JSON object of counts (a task's result).
std::string counts(std::initializer_list<std::pair<const char*, int64_t>> fields) {
  std::string out = "{";
  for (const auto& [key, value] : fields)
    out += (out.size() > 1 ? ",\"" : "\"") + std::string{key} + "\":" + std::to_string(value);
  return out + "}";
}

/// reservations.release: the order supervisor's sweep (expired reservations, abandoned gateway
/// calls), which also drops the cached state of what it released. Its SQL is conditional, so
/// a second run releases nothing twice.
job_outcome release_reservations(const periodic_job_deps& d, caf::scoped_actor& self) {
  auto out = job_outcome::retry_later("the order supervisor did not answer");
  self->request(d.orders, d.call_timeout, sweep_atom::value)
    .receive(
      [&](sweep_reply& r) {
        out = r.error ? job_outcome::retry_later("sweep failed: " + r.error.message)
                      : job_outcome::ok(counts({{"released_orders", r.released_orders},
                                                {"abandoned_attempts", r.abandoned_attempts}}));
      },
      [&](caf::error& e) { out = job_outcome::retry_later("sweep failed: " + to_string(e)); });
  return out;
}

/// payments.reconcile: settles the orders whose charge or refund outcome is unknown, each
/// through its order's actor under the key it was sent with (money never moves twice).
job_outcome reconcile_payments(const periodic_job_deps& d, caf::scoped_actor& self) {
  std::vector<int64_t> orders;
  {
    auto c = d.db->acquire();
    orders = persistence::orders_with_unsettled_attempts(*c, d.batch, d.reconcile_min_age.count());
  }
  int64_t settled = 0, still_unknown = 0, in_flight = 0, failed = 0;
  for (auto order_id : orders)
    self->request(d.orders, d.call_timeout, settle_unknown_atom::value, order_id)
      .receive(
        [&](settle_reply& r) {
          if (r.error) {
            ++failed;
            return;
          }
          settled += r.settled;
          still_unknown += r.still_unknown;
          in_flight += r.in_flight ? 1 : 0;
        },
        [&](caf::error& e) {
          ++failed;
          spdlog::warn("payments.reconcile: order {}: {}", order_id, to_string(e));
        });
  if (failed > 0 && failed == static_cast<int64_t>(orders.size()))
    return job_outcome::retry_later("no order could be settled (" + std::to_string(failed) + " failed)");
  return job_outcome::ok(counts({{"orders", static_cast<int64_t>(orders.size())}, {"settled", settled},
                                 {"still_unknown", still_unknown}, {"in_flight", in_flight}, {"failed", failed}}));
}

/// payments.poll_pending: asks the provider again about payments still pending there (a
/// two-step payment whose buyer never came back, a missed webhook), oldest first. The order's
/// actor records a final answer once (a settled payment is not settled again).
job_outcome poll_pending_payments(const periodic_job_deps& d, caf::scoped_actor& self) {
  std::vector<int64_t> orders;
  {
    auto c = d.db->acquire();
    orders = persistence::orders_with_pending_payments(*c, d.pending_min_age.count(), d.batch);
  }
  int64_t succeeded = 0, failed_payments = 0, still_pending = 0, errors = 0;
  for (auto order_id : orders)
    self->request(d.orders, d.call_timeout, recheck_payment{order_id})
      .receive(
        [&](payment_reply& r) {
          if (r.error) {
            ++errors;
            return;
          }
          switch (r.payment.status) {
            case domain::charge_status::succeeded: ++succeeded; break;
            case domain::charge_status::failed: ++failed_payments; break;
            default: ++still_pending; break;
          }
        },
        [&](caf::error& e) {
          ++errors;
          spdlog::warn("payments.poll_pending: order {}: {}", order_id, to_string(e));
        });
  if (errors > 0 && errors == static_cast<int64_t>(orders.size()))
    return job_outcome::retry_later("no pending payment could be checked (" + std::to_string(errors) + " failed)");
  return job_outcome::ok(counts({{"orders", static_cast<int64_t>(orders.size())}, {"succeeded", succeeded},
                                 {"failed", failed_payments}, {"pending", still_pending}, {"errors", errors}}));
}

std::string events_json(const std::vector<integrations::tracking_event>& events) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartArray();
  for (const auto& e : events) {
    w.StartObject();
    w.Key("status");
    w.String(e.status.c_str(), static_cast<rapidjson::SizeType>(e.status.size()));
    w.Key("time");
    w.String(e.time.c_str(), static_cast<rapidjson::SizeType>(e.time.size()));
    w.Key("location");
    w.String(e.location.c_str(), static_cast<rapidjson::SizeType>(e.location.size()));
    w.EndObject();
  }
  w.EndArray();
  return buf.GetString();
}

/// shipments.refresh_tracking: the configured carrier's status and events for shipments not yet
/// delivered, through the shipping integration actor, written over what we had (a carrier
/// answers the whole history, so a repeated run writes the same).
job_outcome refresh_tracking(const periodic_job_deps& d, caf::scoped_actor& self) {
  const auto& provider = d.gateways.shipping_provider;
  std::vector<persistence::shipment_to_track> due;
  {
    auto c = d.db->acquire();
    due = persistence::shipments_to_track(*c, provider, d.tracking_min_age.count(), d.batch);
  }
  int64_t updated = 0, unknown_to_carrier = 0, errors = 0;
  for (const auto& s : due) {
    std::optional<integrations::tracking_result> answer;
    self->request(d.gateways.shipping, d.call_timeout, integrations::tracking_request{s.id, s.provider_shipment_id, s.tracking_number})
      .receive([&](integrations::tracking_result& r) { answer = std::move(r); },
               [&](caf::error& e) { spdlog::warn("shipments.refresh_tracking: shipment {}: {}", s.id, to_string(e)); });
    if (answer && answer->unsupported) {
      spdlog::debug("shipments.refresh_tracking: {}", answer->detail);
      return job_outcome::ok("{\"provider\":\"" + provider + "\",\"supported\":false}");
    }
    if (!answer || answer->outcome == integrations::gateway_outcome::gateway_error ||
        answer->outcome == integrations::gateway_outcome::timeout) {
      ++errors;
      continue;
    }
    auto c = d.db->acquire();
    if (answer->outcome == integrations::gateway_outcome::succeeded) {
      persistence::record_tracking(*c, s.id, answer->status, answer->tracking_number, events_json(answer->events));
      ++updated;
    } else {
      spdlog::info("shipments.refresh_tracking: shipment {}: {}", s.id, answer->detail);
      persistence::record_tracking(*c, s.id, "", "", "");  // asked: not again before tracking_min_age
      ++unknown_to_carrier;
    }
  }
  if (errors > 0 && errors == static_cast<int64_t>(due.size()))
    return job_outcome::retry_later("the carrier answered no tracking request (" + std::to_string(errors) + " failed)");
  return job_outcome::ok(counts({{"shipments", static_cast<int64_t>(due.size())}, {"updated", updated},
                                 {"unknown_to_carrier", unknown_to_carrier}, {"errors", errors}}));
}

/// carts.remind_abandoned: one `abandoned_cart` e-mail per cart change. The reminder is claimed
/// before the e-mail goes (a conditional upsert keyed by the cart's last change), so a re-fired
/// or redelivered job never sends a second one for the same cart; a worker dying between the
/// claim and the e-mail loses that reminder rather than sending two.
job_outcome remind_abandoned_carts(const periodic_job_deps& d, caf::scoped_actor& self) {
  std::vector<persistence::abandoned_cart> carts;
  {
    auto c = d.db->acquire();
    carts = persistence::abandoned_carts(*c, d.cart_reminder_after.count(), d.batch);
  }
  int64_t sent = 0, failed = 0, already = 0;
  for (const auto& cart : carts) {
    {
      auto c = d.db->acquire();
      if (!persistence::claim_cart_reminder(*c, cart.user_id, cart.changed_at)) {
        ++already;
        continue;
      }
    }
    integrations::email_message message{cart.email, "abandoned_cart", "Your cart is waiting", std::nullopt,
                                        {{"lines", std::to_string(cart.lines)}, {"units", std::to_string(cart.units)},
                                         {"first_name", cart.first_name}},
                                        // One reminder per cart change, also at the provider.
                                        "cart-reminder:" + std::to_string(cart.user_id) + ":" + cart.changed_at};
    bool accepted = false;
    self->request(d.gateways.email, d.call_timeout, std::move(message))
      .receive([&](integrations::send_result& r) { accepted = r.accepted; },
               [&](caf::error& e) { spdlog::warn("carts.remind_abandoned: user {}: {}", cart.user_id, to_string(e)); });
    auto c = d.db->acquire();
    persistence::finish_cart_reminder(*c, cart.user_id, accepted, d.gateways.email_provider, cart.email);
    ++(accepted ? sent : failed);
  }
  return job_outcome::ok(counts({{"carts", static_cast<int64_t>(carts.size())}, {"sent", sent}, {"failed", failed},
                                 {"already_reminded", already}}));
}

}  // namespace

void add_periodic_jobs(job_registry& registry, periodic_job_deps deps) {
  auto d = std::make_shared<const periodic_job_deps>(std::move(deps));
  registry.add(job_types::release_reservations, [d](const job&, caf::scoped_actor& self) { return release_reservations(*d, self); });
  registry.add(job_types::reconcile_payments, [d](const job&, caf::scoped_actor& self) { return reconcile_payments(*d, self); });
  registry.add(job_types::poll_pending_payments, [d](const job&, caf::scoped_actor& self) { return poll_pending_payments(*d, self); });
  registry.add(job_types::refresh_tracking, [d](const job&, caf::scoped_actor& self) { return refresh_tracking(*d, self); });
  registry.add(job_types::remind_abandoned_carts, [d](const job&, caf::scoped_actor& self) { return remind_abandoned_carts(*d, self); });
}

}  // namespace commerce::actors
