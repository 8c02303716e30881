// Payments of one order, run by its actor (see order_flows.hpp).
#include "actors/order_flows.hpp"

#include "actors/gateway_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors::order_flows {

namespace {

problem payment_gateway_problem(const std::string& detail, integrations::gateway_outcome outcome) {
  if (outcome == integrations::gateway_outcome::timeout)
    return problem::of("gateway_timeout", "the payment gateway did not answer in time");
  spdlog::warn("payment gateway error: {}", detail);
  return problem::of("payment_gateway_error", "the payment gateway failed; retry later");
}

/// Records the gateway's answer and replies: the payment for succeeded, pending or declined;
/// 502/504 when the gateway failed (the payment is then recorded as failed and the order is
/// payable again).
void settle(order_ptr self, const order_deps& d, int64_t payment_id, const integrations::payment_result& result,
            caf::response_promise rp) {
  using integrations::gateway_outcome;
  auto outcome = result.outcome == gateway_outcome::succeeded ? persistence::charge_outcome::succeeded
                 : result.outcome == gateway_outcome::pending ? persistence::charge_outcome::pending
                                                              : persistence::charge_outcome::failed;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        auto done = persistence::finish_charge(c, payment_id, outcome, result.provider_payment_id,
                                               result.confirmation_url, result.detail);
        return charge_settlement{done, done ? std::nullopt : persistence::find_payment(c, payment_id)};
      }))
    .await(
      [=](charge_settlement& s) mutable {
        if (!s.done) {  // settled meanwhile (another confirm, any node): report it, change nothing
          rp.deliver(s.current ? payment_reply{problem::none(), *s.current} : payment_reply{problem::unavailable(), {}});
          return;
        }
        auto& done = *s.done;
        self->state.cached = done.order;
        self->state.fetched_at = clock::now();
        if (result.outcome == gateway_outcome::timeout || result.outcome == gateway_outcome::gateway_error) {
          rp.deliver(payment_reply{payment_gateway_problem(result.detail, result.outcome), {}});
          return;
        }
        if (outcome == persistence::charge_outcome::succeeded)
          self->send(d.notifier, send_order_email{done.order.id, "order_confirmation",
                                                  "Order #" + std::to_string(done.order.id) + " is confirmed"});
        rp.deliver(payment_reply{problem::none(), done.payment});
      },
      [=](caf::error& e) mutable {
        spdlog::error("payment {}: recording the gateway's answer failed: {}", payment_id, to_string(e));
        rp.deliver(payment_reply{problem::unavailable(), {}});
      });
}

}  // namespace

void confirm(order_ptr self, const order_deps& d, int64_t id, int64_t payment_id, caf::response_promise rp) {
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [payment_id](pg::connection& c) {
        return persistence::find_payment(c, payment_id);
      }))
    .await(
      [=](std::optional<persistence::payment_record>& found) mutable {
        if (!found || found->order_id != id)
          return rp.deliver(payment_reply{problem::of("not_found", "payment not found"), {}});
        const auto& p = *found;
        if (p.status == "succeeded" || p.status == "failed")
          return rp.deliver(payment_reply{problem::none(), p});  // settled already: unchanged, no e-mail
        if (self->state.cached->payment_status == "paid")
          return rp.deliver(payment_reply{problem::of("order_already_paid", "this order was paid by another payment"), {}});
        if (p.status != "pending" || !p.provider_payment_id)
          return rp.deliver(payment_reply{problem::of("payment_in_progress", "this payment is still being created"), {}});
        self->request(d.gateways.payments, d.gateway_timeout, fetch_payment{*p.provider_payment_id})
          .await([=](integrations::payment_result& r) mutable {
                   if (r.outcome == integrations::gateway_outcome::gateway_error ||
                       r.outcome == integrations::gateway_outcome::timeout)
                     return rp.deliver(payment_reply{payment_gateway_problem(r.detail, r.outcome), {}});  // still pending
                   if (r.confirmation_url.empty() && p.confirmation_url)
                     r.confirmation_url = *p.confirmation_url;
                   settle(self, d, payment_id, r, rp);
                 },
                 [=](caf::error& e) mutable {
                   rp.deliver(payment_reply{payment_gateway_problem(to_string(e), integrations::gateway_outcome::gateway_error), {}});
                 });
      },
      [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
}

namespace {

/// Charges the cached order: begin (SQL), gateway call, finish (SQL), each awaited.
void begin_new_charge(order_ptr self, const order_deps& d, int64_t id, const process_payment& cmd, caf::response_promise rp) {
  using persistence::begin_outcome;
  auto method = cmd.payment_method;
  auto provider = d.gateways.payment_provider;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id, method, provider](pg::connection& c) {
        return persistence::begin_charge(c, id, method, provider);
      }))
    .await(
      [=](persistence::begin_result& begun) mutable {
        switch (begun.outcome) {
          case begin_outcome::already_paid:
            return rp.deliver(payment_reply{problem::of("order_already_paid", "this order is already paid"), {}});
          case begin_outcome::in_progress:
            return rp.deliver(payment_reply{problem::of("payment_in_progress", "a payment for this order is in progress"), {}});
          case begin_outcome::invalid_state:
            return rp.deliver(payment_reply{problem::of("invalid_order_state", "this order cannot be paid"), {}});
          case begin_outcome::started:
            break;
        }
        auto payment = begun.payment;
        integrations::charge_request request{id, payment.amount_minor, payment.currency, payment.payment_method,
                                             cmd.payment_token, "Order #" + std::to_string(id), payment.idempotence_key,
                                             cmd.return_url, payment.user_id, cmd.client_ip};
        self->request(d.gateways.payments, d.gateway_timeout, charge_payment{request, cmd.two_step})
          .await(
            [=](integrations::payment_result& result) mutable { settle(self, d, payment.id, result, rp); },
            [=](caf::error& e) mutable {
              settle(self, d, payment.id,
                     integrations::payment_result{integrations::gateway_outcome::gateway_error, "", "", to_string(e)}, rp);
            });
      },
      [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
}

/// confirm() on the order's payment pending at the provider, or `otherwise()` when none is.
template <class Otherwise>
void confirm_pending_or(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp, Otherwise otherwise) {
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id](pg::connection& c) {
        return persistence::pending_payment_of(c, id);
      }))
    .await(
      [=](std::optional<persistence::payment_record>& pending) mutable {
        if (pending)
          confirm(self, d, id, pending->id, rp);
        else
          otherwise();
      },
      [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
}

}  // namespace

void charge(order_ptr self, const order_deps& d, int64_t id, const process_payment& cmd, caf::response_promise rp) {
  confirm_pending_or(self, d, id, rp, [=]() mutable { begin_new_charge(self, d, id, cmd, rp); });
}

void recheck(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp) {
  // Nothing pending: the notification changes nothing.
  confirm_pending_or(self, d, id, rp, [=]() mutable { rp.deliver(payment_reply{}); });
}

/// Refunds part or all of the order's payment: reserve (SQL), the gateway call, confirm or
/// release (SQL), each awaited. The reservation keeps any number of nodes within what was paid.
void refund(order_ptr self, const order_deps& d, int64_t id, const refund_payment& cmd, caf::response_promise rp) {
  using persistence::refund_begin_outcome;
  auto amount = cmd.amount_minor;
  auto reason = cmd.reason;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        return persistence::begin_refund(c, id, amount, reason);
      }))
    .await(
      [=](persistence::refund_begin_result& begun) mutable {
        switch (begun.outcome) {
          case refund_begin_outcome::invalid_state:
            return rp.deliver(refund_reply{problem::of("invalid_order_state", "only a paid order can be refunded"), {}});
          case refund_begin_outcome::not_positive:
            return rp.deliver(refund_reply{problem::validation({{"amount", {"must be above 0"}}}), {}});
          case refund_begin_outcome::exceeds_paid:
            return rp.deliver(refund_reply{problem{"refund_exceeds_paid", "the amount exceeds what is left to refund",
                                                   {{"amount", {"exceeds the paid amount minus earlier refunds"}}}},
                                           {}});
          case refund_begin_outcome::started:
            break;
        }
        auto pending = begun.refund;
        integrations::refund_request request{begun.provider_payment_id, pending.amount_minor, pending.currency,
                                             pending.reason, pending.idempotence_key};
        auto finish = [=](const integrations::refund_result& answer) mutable {
          bool accepted = answer.outcome == integrations::gateway_outcome::succeeded;
          self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
                return persistence::finish_refund(c, pending.id, accepted, answer.status, answer.provider_refund_id);
              }))
            .await(
              [=](std::optional<persistence::refund_finish_result>& done) mutable {
                if (!done)
                  return rp.deliver(refund_reply{payment_gateway_problem(answer.detail, answer.outcome), {}});
                self->state.cached = done->order;
                self->state.fetched_at = clock::now();
                self->send(d.notifier, send_order_email{id, "order_refunded",
                                                        "Order #" + std::to_string(id) + " has been refunded"});
                rp.deliver(refund_reply{problem::none(), done->refund});
              },
              [=](caf::error&) mutable { rp.deliver(refund_reply{problem::unavailable(), {}}); });
        };
        self->request(d.gateways.payments, d.gateway_timeout, request)
          .await([=](integrations::refund_result& answer) mutable { finish(answer); },
                 [=](caf::error& e) mutable {
                   finish(integrations::refund_result{integrations::gateway_outcome::gateway_error, "", "", to_string(e)});
                 });
      },
      [=](caf::error&) mutable { rp.deliver(refund_reply{problem::unavailable(), {}}); });
}

}  // namespace commerce::actors::order_flows
