#include "actors/orders.hpp"

#include "actors/catalog_messages.hpp"
#include "actors/order_flows.hpp"
#include "actors/order_messages.hpp"
#include "actors/order_rules.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"
#include "domain/order_lifecycle.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <optional>

namespace commerce::actors {

namespace {

using namespace order_flows;
using domain::order_status;
order_reply failure(problem p) { return order_reply{std::move(p), {}, false}; }
problem invalid_state(order_status from, order_status to) {
  return problem::invalid_order_state("an order that is " + to_string(from) + " cannot become " + to_string(to));
}

std::string join_ids(const std::vector<int64_t>& ids) {
  std::string out;
  for (auto id : ids)
    out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// ---- one order ------------------------------------------------------------------------------

/// Runs `next(problem)` with a current record: the cached one while fresh, else reloaded
/// (awaited, so nothing else touches this order meanwhile).
template <class F>
void with_order(order_ptr self, const order_deps& d, int64_t id, bool force_reload, F next) {
  auto& st = self->state;
  if (st.cached && !force_reload && clock::now() - st.fetched_at < d.cache_ttl) {
    next(problem::none());
    return;
  }
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id](pg::connection& c) {
        auto o = persistence::find_order(c, id);
        return o ? order_reply{problem::none(), *o, false} : failure(order_not_found());
      }))
    .await(
      [=](order_reply& r) mutable {
        if (r.error) {
          self->state.cached.reset();
          next(r.error);
          if (r.error.code == error_code::not_found)
            passivate_missing(self, self->state.supervisor, id);
          return;
        }
        self->state.cached = std::move(r.order);
        self->state.fetched_at = clock::now();
        next(problem::none());
      },
      [=](caf::error&) mutable { next(problem::unavailable()); });
}

bool visible_to(const persistence::order_record& o, const requester& who) {
  return who.is_staff || o.user_id == who.user_id;
}

/// Moves the cached order to `to` through the guarded SQL update. If another node moved the
/// order first, the guard fails: reload once and decide again on the fresh state.
void transition(order_ptr self, const order_deps& d, int64_t id, order_status to, caf::response_promise rp,
                bool retried = false) {
  const auto& o = *self->state.cached;
  if (!domain::can_move(o.status, to)) {
    rp.deliver(failure(invalid_state(o.status, to)));
    return;
  }
  auto require_unpaid = domain::requires_unpaid(to);
  if (require_unpaid && o.payment_status != domain::unpaid_for_cancel) {
    rp.deliver(failure(problem::invalid_order_state("a paid order cannot be cancelled; ask for a refund")));
    return;
  }
  auto from = o.status;
  auto version = o.version;
  auto release = domain::releases_stock(from, to);
  auto reason = to == order_status::cancelled ? std::string{"order_cancelled"} : std::string{};
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        auto moved = persistence::transition_order(c, id, from, version, to, release, reason, require_unpaid);
        return moved ? order_reply{problem::none(), *moved, false} : failure(problem::invalid_order_state("the order moved on meanwhile"));
      }))
    .await(
      [=](order_reply& r) mutable {
        if (!r.error) {
          self->state.cached = r.order;
          self->state.fetched_at = clock::now();
          if (release) {
            std::vector<int64_t> products;
            for (const auto& item : r.order.items)
              products.push_back(item.product_id);
            self->send(d.catalog, invalidate_products{products});
          }
          rp.deliver(r);
          return;
        }
        if (retried) {
          rp.deliver(failure(invalid_state(self->state.cached->status, to)));
          return;
        }
        with_order(self, d, id, true, [=](problem p) mutable {
          if (p)
            rp.deliver(failure(p));
          else
            transition(self, d, id, to, rp, true);
        });
      },
      [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
}

/// The opening every owner's operation shares: the record (reloaded when `fresh`), the caller's
/// right to it (anyone else gets not_found, never 403), then `run(rp)`; a problem on the way is
/// answered as Reply{problem}.
template <class Reply, class Run>
caf::response_promise for_owner(order_ptr self, const order_deps& d, int64_t id, const requester& who, bool fresh,
                                Run run) {
  auto rp = self->make_response_promise();
  with_order(self, d, id, fresh, [=](problem p) mutable {
    if (!p && !visible_to(*self->state.cached, who))
      p = order_not_found();
    if (p)
      rp.deliver(Reply{p, {}});
    else
      run(rp);
  });
  return rp;
}

caf::behavior order_actor(order_ptr self, caf::actor supervisor, int64_t id, order_deps d) {
  log_unhandled_exceptions(self, "order", id);
  self->state.supervisor = supervisor;
  return {
    [=](const get_order& cmd) {
      return for_owner<order_reply>(self, d, id, cmd.who, false, [=](caf::response_promise& rp) {
        rp.deliver(order_reply{problem::none(), *self->state.cached, false});
      });
    },
    [=](const cancel_order& cmd) {
      return for_owner<order_reply>(self, d, id, cmd.who, true,
                                    [=](caf::response_promise& rp) { transition(self, d, id, order_status::cancelled, rp); });
    },
    [=](const process_payment& cmd) {
      return for_owner<payment_reply>(self, d, id, cmd.who, true, [=](caf::response_promise& rp) {
        if (cmd.expected_amount && *cmd.expected_amount != self->state.cached->total_minor)
          rp.deliver(payment_reply{problem{error_code::amount_mismatch, "the amount must equal the order's total",
                                           {{"amount", {"must equal the order's total"}}}},
                                   {}});
        else
          charge(self, d, id, cmd, rp);
      });
    },
    [=](const confirm_payment& cmd) {
      return for_owner<payment_reply>(self, d, id, cmd.who, true,
                                      [=](caf::response_promise& rp) { confirm(self, d, id, cmd.payment_id, rp); });
    },
    [=](const recheck_payment&) {
      auto rp = self->make_response_promise();
      with_order(self, d, id, true, [=](problem p) mutable {
        if (p)
          rp.deliver(payment_reply{p, {}});
        else
          recheck(self, d, id, rp);
      });
      return rp;
    },
    [=](const refund_payment& cmd) {
      return for_owner<refund_reply>(self, d, id, cmd.who, true,
                                     [=](caf::response_promise& rp) { refund(self, d, id, cmd, rp); });
    },
    [=](settle_unknown_atom) {
      auto rp = self->make_response_promise();
      settle_unknown(self, d, id, rp);
      return rp;
    },
    [=](const create_shipment& cmd) {
      return for_owner<shipment_reply>(self, d, id, cmd.who, true,
                                       [=](caf::response_promise& rp) { book_shipment(self, d, id, cmd, rp); });
    },
    [=](const advance_order& cmd) {
      auto rp = self->make_response_promise();
      auto to = domain::parse<order_status>(cmd.to);
      if (!to) {
        rp.deliver(failure(problem::validation({{"status", {"unknown order status"}}})));
        return rp;
      }
      with_order(self, d, id, true, [=](problem p) mutable {
        if (p)
          rp.deliver(failure(p));
        else
          transition(self, d, id, *to, rp);
      });
      return rp;
    },
    [=](stop_atom) { self->quit(); },
    [=](crash_atom) { injected_crash("order", id); },
    caf::after(d.idle_timeout) >> [=] { self->send(supervisor, idle_atom::value, id); },
  };
}

// ---- the supervisor -----------------------------------------------------------------------

struct order_supervisor_state {
  static inline const char* name = "order_supervisor";
  entity_registry orders;
};
using order_supervisor_ptr = caf::stateful_actor<order_supervisor_state>*;

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

caf::behavior order_supervisor(order_supervisor_ptr self, order_deps d) {
  self->state.orders = entity_registry{"order", d.restarts};
  auto common = supervise(self, [](order_supervisor_ptr s) -> entity_registry& { return s->state.orders; });
  auto order = [=](int64_t id) { return child_for(self, self->state.orders, id, order_actor, d); };
  if (d.sweep_interval.count() > 0)
    self->delayed_send(self, d.sweep_interval, sweep_atom::value);
  return caf::message_handler{
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
    [=](const get_order& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](const cancel_order& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](const advance_order& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](const process_payment& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](const confirm_payment& cmd) {
      auto rp = self->make_response_promise();
      auto q = cmd;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [q](pg::connection& c) {
            return persistence::find_payment(c, q.payment_id);
          }))
        .then(
          [=](std::optional<persistence::payment_record>& found) mutable {
            if (!found || !(q.who.is_staff || found->user_id == q.who.user_id))
              return rp.deliver(payment_reply{problem::not_found("payment not found"), {}});
            auto routed = q;
            routed.order_id = found->order_id;
            rp.delegate(order(found->order_id), routed);
          },
          [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](const create_shipment& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](const refund_payment& cmd) { return self->delegate(order(cmd.order_id), cmd); },
    [=](settle_unknown_atom, int64_t order_id) { return self->delegate(order(order_id), settle_unknown_atom::value); },
    [=](const payment_webhook& hook) {
      auto rp = self->make_response_promise();
      // A notification about no order of ours (or no pending payment) is acknowledged and
      // changes nothing; a recheck that fails (gateway down) is not, so the provider retries.
      auto recheck = [=](int64_t order_id, const std::string& ack) mutable {
        if (order_id <= 0)
          return rp.deliver(webhook_reply{problem::none(), ack});
        self->request(order(order_id), d.db.timeout + d.gateway_timeout, recheck_payment{order_id})
          .then(
            [=](payment_reply& r) mutable {
              // An order we do not have: nothing to settle, and nothing for the provider to retry.
              rp.deliver(webhook_reply{r.error.code == error_code::not_found ? problem::none() : r.error, ack});
            },
            [=](caf::error&) mutable { rp.deliver(webhook_reply{problem::unavailable(), {}}); });
      };
      auto resolve = [=](const webhook_verdict& verdict) mutable {
        if (verdict.event.order_id > 0 || verdict.event.provider_payment_id.empty())
          return recheck(verdict.event.order_id, verdict.ack);
        auto provider = d.gateways.payment_provider;
        auto provider_payment_id = verdict.event.provider_payment_id;
        auto ack = verdict.ack;
        self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
              return persistence::order_of_pending_payment(c, provider, provider_payment_id).value_or(0);
            }))
          .then([=](int64_t order_id) mutable { recheck(order_id, ack); },
                [=](caf::error&) mutable { rp.deliver(webhook_reply{problem::unavailable(), {}}); });
      };
      self->request(d.gateways.payments, d.gateway_timeout, hook)
        .then(
          [=](webhook_verdict& verdict) mutable {
            if (verdict.valid)
              return resolve(verdict);
            spdlog::warn("{} webhook refused: bad or stale signature", d.gateways.payment_provider);
            rp.deliver(webhook_reply{problem::of(error_code::invalid_signature, "the webhook signature does not verify"), {}});
          },
          [=](caf::error&) mutable { rp.deliver(webhook_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](const get_shipment& cmd) {
      auto q = cmd;
      return reply_from_db<shipment_reply>(self, d.db, [q](pg::connection& c) {
        auto s = persistence::find_shipment(c, q.shipment_id);
        if (!s || !(q.who.is_staff || s->user_id == q.who.user_id))
          return shipment_reply{problem::not_found("shipment not found"), {}};
        return shipment_reply{problem::none(), *s};
      });
    },
    [=](const quote_shipping& cmd) {
      auto rp = self->make_response_promise();
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
            if (owner == 0 || !(who.is_staff || owner == who.user_id))
              rp.deliver(quote_reply{order_not_found(), {}});
            else
              ask_carrier();
          },
          [=](caf::error&) mutable { rp.deliver(quote_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](const get_payment& cmd) {
      auto q = cmd;
      return reply_from_db<payment_reply>(self, d.db, [q](pg::connection& c) {
        auto p = persistence::find_payment(c, q.payment_id);
        if (!p || !(q.who.is_staff || p->user_id == q.who.user_id))
          return payment_reply{problem::not_found("payment not found"), {}};
        return payment_reply{problem::none(), *p};
      });
    },
    [=](const get_refund& cmd) {
      auto q = cmd;
      return reply_from_db<refund_reply>(self, d.db, [q](pg::connection& c) {
        auto f = persistence::find_refund(c, q.refund_id);
        auto o = f ? persistence::find_order(c, f->order_id) : std::nullopt;
        if (!f || !o || !(q.who.is_staff || o->user_id == q.who.user_id))
          return refund_reply{problem::not_found("refund not found"), {}};
        return refund_reply{problem::none(), *f};
      });
    },
    [=](const claim_idempotency& cmd) {
      auto q = cmd;
      return reply_from_db<claim_reply>(self, d.db, [q](pg::connection& c) {
        return claim_reply{problem::none(), persistence::claim_idempotency_key(c, q.user_id, q.endpoint, q.key, q.request_hash)};
      });
    },
    [=](const settle_idempotency& cmd) {
      auto q = cmd;
      return reply_from_db<claim_reply>(self, d.db, [q](pg::connection& c) {
        if (q.resource_id)
          persistence::complete_idempotency_key(c, q.user_id, q.endpoint, q.key, q.resource_id);
        else
          persistence::release_idempotency_key(c, q.user_id, q.endpoint, q.key);
        return claim_reply{};
      });
    },
    [=](const list_notifications& cmd) {
      auto q = cmd;
      return reply_from_db<notifications_reply>(self, d.db, [q](pg::connection& c) {
        auto o = persistence::find_order(c, q.order_id);
        if (!o || !(q.who.is_staff || o->user_id == q.who.user_id))
          return notifications_reply{problem::not_found("order not found"), {}};
        return notifications_reply{problem::none(), persistence::notifications_of_order(c, q.order_id)};
      });
    },
    [=](sweep_atom) {
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [](pg::connection& c) {
            return persistence::mark_abandoned_attempts_unknown(c);
          }))
        .then(
          [=](std::vector<int64_t>& orders) {
            for (auto order_id : orders)
              spdlog::warn("order {}: a gateway call was abandoned mid-way (its server stopped); its outcome is "
                           "unknown until it is settled under the same key (settle_unknown_atom)",
                           order_id);
          },
          [=](caf::error& e) { spdlog::warn("abandoned attempt sweep failed: {}", to_string(e)); });
      auto ttl = d.reservation_ttl.count();
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [ttl](pg::connection& c) {
            return persistence::expire_reservations(c, ttl, 500);
          }))
        .then(
          [=](persistence::expired_reservations& expired) {
            if (expired.orders.empty())
              return;
            spdlog::info("released the stock of {} unpaid orders older than {} s", expired.orders.size(), ttl);
            for (auto id : expired.orders)  // cached actors hold the old state: let them go
              if (auto child = self->state.orders.forget(id))
                self->send(child, stop_atom::value);
            self->send(d.catalog, invalidate_products{expired.products});
          },
          [=](caf::error& e) { spdlog::warn("reservation sweep failed: {}", to_string(e)); });
      if (d.sweep_interval.count() > 0)
        self->delayed_send(self, d.sweep_interval, sweep_atom::value);
    },
  }.or_else(common);
}

}  // namespace

caf::actor spawn_order_supervisor(caf::actor_system& sys, order_deps deps) {
  return sys.spawn(order_supervisor, std::move(deps));
}

}  // namespace commerce::actors

