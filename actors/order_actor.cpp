// One order's actor: serialises its order's lifecycle transitions and the payment and
// shipping flows (order_flows.hpp), keeping the order's record between them.
#include "actors/orders.hpp"

#include "actors/catalog_messages.hpp"
#include "actors/order_flows.hpp"
#include "actors/order_jobs.hpp"
#include "actors/order_messages.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"
#include "domain/order_lifecycle.hpp"

#include <caf/all.hpp>

#include <optional>

namespace commerce::actors {

namespace order_flows {

namespace {

using domain::order_status;

problem invalid_state(order_status from, order_status to) {
  return problem::invalid_order_state("an order that is " + to_string(from) + " cannot become " + to_string(to));
}

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
    if (!p && !who.may_see(self->state.cached->user_id))
      p = order_not_found();
    if (p)
      rp.deliver(Reply{p, {}});
    else
      run(rp);
  });
  return rp;
}

}  // namespace

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
    [=](const start_processing& cmd) {
      // Fresh: the job is queued only for an order that may be processed now (any node may
      // have paid, cancelled or processed it meanwhile).
      return for_owner<task_reply>(self, d, id, cmd.who, true, [=](caf::response_promise& rp) {
        const auto& o = *self->state.cached;
        if (!domain::can_process(o.status))
          return rp.deliver(task_reply{problem::invalid_order_state("an order that is " + to_string(o.status) +
                                                                    " cannot be processed"),
                                       {}});
        if (!d.jobs)
          return rp.deliver(task_reply{problem::unavailable(), {}});
        // The task belongs to the order's owner, whoever (owner or staff) started it.
        enqueue_job job{job_types::process_order, process_order_payload(id, cmd.payment_token), o.user_id};
        self->request(d.jobs, d.db.timeout, std::move(job))
          .then([=](task_reply& r) mutable { rp.deliver(std::move(r)); },
                [=](caf::error&) mutable { rp.deliver(task_reply{problem::unavailable(), {}}); });
      });
    },
    [=](const ensure_reserved&) {
      auto rp = self->make_response_promise();
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id](pg::connection& c) {
            using persistence::reserve_outcome;
            auto r = persistence::reserve_order_stock(c, id);
            switch (r.outcome) {
              case reserve_outcome::reserved:
              case reserve_outcome::already_reserved:
                return order_reply{problem::none(), *r.order, false};
              case reserve_outcome::not_found:
                return failure(order_not_found());
              case reserve_outcome::invalid_state:
                return failure(problem::invalid_order_state("only a pending or confirmed order can reserve its stock"));
              case reserve_outcome::insufficient_stock:
                break;
            }
            field_errors fields;
            std::string ids;
            for (auto p : r.short_products) {
              fields["items"].push_back("insufficient stock for product " + std::to_string(p));
              ids += (ids.empty() ? "" : ", ") + std::to_string(p);
            }
            return failure(problem{error_code::insufficient_stock, "not enough stock for products " + ids, fields});
          }))
        .await(
          [=](order_reply& r) mutable {
            if (!r.error) {
              self->state.cached = r.order;
              self->state.fetched_at = clock::now();
            }
            rp.deliver(r);
          },
          [=](caf::error&) mutable { rp.deliver(failure(problem::unavailable())); });
      return rp;
    },
    [=](stop_atom) { self->quit(); },
    [=](crash_atom) { injected_crash("order", id); },
    [=](inspect_atom) {
      const auto& o = self->state.cached;
      return entity_probe{own_mailbox_size(self),
                          o ? "order " + std::to_string(id) + ": " + to_string(o->status) + ", payment " +
                                to_string(o->payment_status)
                            : "order " + std::to_string(id) + ", not cached"};
    },
  };
}

}  // namespace order_flows

}  // namespace commerce::actors
