// The order supervisor: checkout, listings, shipment reads and quotes, the periodic sweep of
// expired reservations and abandoned gateway calls; every other command is routed to the
// order's actor (order_actor.cpp).
#include "actors/orders.hpp"

#include "actors/catalog_messages.hpp"
#include "actors/order_flows.hpp"
#include "actors/job_messages.hpp"
#include "actors/order_messages.hpp"
#include "actors/order_rules.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <optional>

namespace commerce::actors {
namespace {

/// One sweep's database work: the abandoned gateway calls and the released reservations.
struct sweep_outcome {
  std::vector<int64_t> abandoned;
  persistence::expired_reservations expired;
};

}  // namespace
}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::sweep_outcome)

namespace commerce::actors {

namespace {

using namespace order_flows;

std::string join_ids(const std::vector<int64_t>& ids) {
  std::string out;
  for (auto id : ids)
    out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

struct order_supervisor_state {
  static inline const char* name = "order_supervisor";
  entity_registry orders;
};
using order_supervisor_ptr = order_api::stateful_pointer<order_supervisor_state>;

/// The checkout's answer, from the repository's outcome.
order_reply checkout_reply(const persistence::create_result& r) {
  using persistence::create_outcome;
  switch (r.outcome) {
    case create_outcome::created:
      return order_reply{problem::none(), r.order, false};
    case create_outcome::replayed:
      return order_reply{problem::none(), r.order, true};
    case create_outcome::cart_empty:
      return failure(problem::of(error_code::cart_empty, "the cart is empty"));
    case create_outcome::key_reused:
      return failure(problem::of(error_code::idempotency_key_reused, "this Idempotency-Key was used with a different request"));
    case create_outcome::key_in_progress:
      return failure(problem::of(error_code::idempotency_in_progress, "a request with this Idempotency-Key is still running"));
    case create_outcome::quantity_over_limit:
      return failure(problem::validation({{"items", {"at most 999 units of one product: " + join_ids(r.short_products)}}}));
    case create_outcome::product_unavailable:
      return failure(problem::validation({{"items", {"no such product, or no longer sold: " + join_ids(r.unavailable_products)}}}));
    case create_outcome::insufficient_stock:
      break;
  }
  field_errors fields;
  for (auto id : r.short_products)
    fields["items"].push_back("insufficient stock for product " + std::to_string(id));
  return failure(problem{error_code::insufficient_stock, "not enough stock for products " + join_ids(r.short_products), fields});
}

order_api::behavior_type order_supervisor(order_supervisor_ptr self, order_deps d) {
  self->state.orders = entity_registry{"order", d.restarts};
  auto [idle, sweep, stats, crash, list, lookup] = supervise(self, [](order_supervisor_ptr s) -> entity_registry& { return s->state.orders; }, d.idle_timeout);
  auto order = [=](int64_t id) { return child_for(self, self->state.orders, id, order_actor, d); };
  if (d.sweep_interval.count() > 0)
    caf::delayed_anon_send(self, d.sweep_interval, sweep_atom::value);
  return {
    [=](place_order& cmd) -> caf::result<order_reply> {
      field_errors bad;
      auto& o = cmd.order;
      order_rules::check_lines(o.items, !o.items.empty(), bad);
      order_rules::check_address(o.shipping_address, "shipping_address", bad);
      order_rules::check_address(o.billing_address, "billing_address", bad);
      order_rules::check_methods(o.payment_method, o.shipping_method, bad);
      if (!bad.empty())
        return failure(problem::validation(std::move(bad)));
      o.max_line_quantity = order_rules::max_line_quantity;
      auto request = o;
      return reply_from_db<order_reply>(self, d.db, [request](pg::connection& c) {
        return checkout_reply(persistence::create_order(c, request));
      }, [=](order_reply& r) {
        if (r.error || r.replayed)
          return;
        std::vector<int64_t> products;
        for (const auto& item : r.order.items)
          products.push_back(item.product_id);
        self->send(d.catalog, invalidate_products{products});
      });
    },
    [=](const list_orders& cmd) {
      auto q = cmd;
      return reply_from_db<order_page_reply>(self, d.db, [q](pg::connection& c) {
        return order_page_reply{problem::none(), persistence::list_orders(c, q.user_id, q.limit, q.offset)};
      });
    },
    [=](const get_order& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const cancel_order& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const advance_order& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const start_processing& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const ensure_reserved& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const process_payment& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const confirm_payment& cmd) {
      auto rp = self->make_response_promise<payment_reply>();
      auto q = cmd;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [q](pg::connection& c) {
            return persistence::find_payment(c, q.payment_id);
          }))
        .then(
          [=](std::optional<persistence::payment_record>& found) mutable {
            if (!found || !q.who.may_see(found->user_id)) {
              rp.deliver(payment_reply{problem::not_found("payment not found"), {}});
              return;
            }
            auto routed = q;
            routed.order_id = found->order_id;
            rp.delegate(order(found->order_id), routed);
          },
          [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](const create_shipment& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const refund_payment& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](const recheck_payment& cmd) { return delegate_to<order_api>(self, order(cmd.order_id), cmd); },
    [=](settle_unknown_atom, int64_t order_id) {
      self->delegate(order(order_id), settle_unknown_atom::value);
      return caf::delegated<settle_reply>{};
    },
    [=](const get_shipment& cmd) {
      auto q = cmd;
      return reply_from_db<shipment_reply>(self, d.db, [q](pg::connection& c) {
        auto s = persistence::find_shipment(c, q.shipment_id);
        if (!s || !q.who.may_see(s->user_id))
          return shipment_reply{problem::not_found("shipment not found"), {}};
        return shipment_reply{problem::none(), *s};
      });
    },
    [=](const quote_shipping& cmd) {
      auto rp = self->make_response_promise<quote_reply>();
      auto ask_carrier = [=]() mutable {
        self->request(d.gateways.shipping, d.gateway_timeout, cmd.request)
          .then(
            [=](integrations::quote_result& q) mutable {
              if (q.outcome == integrations::gateway_outcome::succeeded)
                rp.deliver(quote_reply{problem::none(), q});
              else
                rp.deliver(quote_reply{carrier_problem(q.detail, q.outcome), {}});
            },
            [=](caf::error& e) mutable { rp.deliver(quote_reply{carrier_problem(to_string(e), integrations::gateway_outcome::gateway_error), {}}); });
      };
      if (!cmd.order_id) {
        ask_carrier();
        return rp;
      }
      auto order_id = *cmd.order_id;
      auto who = cmd.who;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [order_id](pg::connection& c) {
            auto o = persistence::find_order(c, order_id);
            return o ? o->user_id : int64_t{0};
          }))
        .then(
          [=](int64_t owner) mutable {
            if (owner == 0 || !who.may_see(owner))
              rp.deliver(quote_reply{order_not_found(), {}});
            else
              ask_carrier();
          },
          [=](caf::error&) mutable { rp.deliver(quote_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](sweep_atom) {
      auto rp = self->make_response_promise<sweep_reply>();
      auto ttl = d.reservation_ttl.count();
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [ttl](pg::connection& c) {
            sweep_outcome out;
            out.abandoned = persistence::mark_abandoned_attempts_unknown(c);
            out.expired = persistence::expire_reservations(c, ttl, 500);
            return out;
          }))
        .then(
          [=](sweep_outcome& done) mutable {
            for (auto order_id : done.abandoned)
              spdlog::warn("order {}: a gateway call was abandoned mid-way (its server stopped); its outcome is "
                           "unknown until it is settled under the same key (settle_unknown_atom)",
                           order_id);
            auto& expired = done.expired;
            if (!expired.orders.empty()) {
              spdlog::info("released the stock of {} unpaid orders older than {} s", expired.orders.size(), ttl);
              for (auto id : expired.orders)  // cached actors hold the old state: let them go
                if (auto child = self->state.orders.forget(id))
                  caf::anon_send(child, stop_atom::value);
              self->send(d.catalog, invalidate_products{expired.products});
            }
            rp.deliver(sweep_reply{problem::none(), static_cast<int64_t>(expired.orders.size()),
                                   static_cast<int64_t>(done.abandoned.size())});
          },
          [=](caf::error& e) mutable {
            spdlog::warn("reservation sweep failed: {}", to_string(e));
            rp.deliver(sweep_reply{problem::unavailable(), 0, 0});
          });
      if (d.sweep_interval.count() > 0)
        caf::delayed_anon_send(self, d.sweep_interval, sweep_atom::value);
      return rp;
    },
    idle,
    sweep,
    stats,
    crash,
    list,
    lookup,
  };
}

}  // namespace

order_api spawn_order_supervisor(caf::actor_system& sys, order_deps deps) {
  return sys.spawn(order_supervisor, std::move(deps));
}

}  // namespace commerce::actors
