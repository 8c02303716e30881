// Payments of one order, run by its actor (see order_flows.hpp).
//
// A charge or refund whose answer never came (timeout, a connection dropped after sending, a
// 5xx) may have gone through: it is recorded as unknown with the key it was sent under (the row
// and key are written before the call, so a crash leaves it too), and before anything new is
// sent for the order it is settled: asked again under the same key (every provider
// de-duplicates by key) or, when the provider's id is known, by a status check. A new charge
// gets a new key only once the earlier one is known to have failed (API.md §5).
#include "actors/order_flows.hpp"

#include "actors/gateway_messages.hpp"
#include "domain/order_lifecycle.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>

namespace commerce::actors::order_flows {

namespace {

using integrations::gateway_outcome;
using payment_done = std::function<void(payment_reply)>;
/// A refund's reply, and whether its outcome is still unknown.
using refund_done = std::function<void(refund_reply, bool)>;

problem payment_gateway_problem(const std::string& detail, gateway_outcome outcome) {
  if (outcome == gateway_outcome::timeout)
    return problem::of(error_code::gateway_timeout, "the payment gateway did not answer in time");
  spdlog::warn("payment gateway error: {}", detail);
  return problem::of(error_code::payment_gateway_error, "the payment gateway failed; retry later");
}

bool no_answer(gateway_outcome o) { return o == gateway_outcome::gateway_error || o == gateway_outcome::timeout; }

/// How long an attempt may be in its call before any node may treat it as unknown: the whole
/// gateway job and a margin.
int64_t in_flight_ms(const order_deps& d) { return (d.gateway_timeout + std::chrono::seconds(1)).count(); }

/// A gateway job that did not come back (the actor request timed out or the worker failed): the
/// call may still have reached the provider.
template <class Result>
Result lost_answer(const caf::error& e) {
  Result r;
  r.outcome = gateway_outcome::gateway_error;
  r.detail = to_string(e);
  r.outcome_unknown = true;
  return r;
}

/// Whether a call without a usable answer leaves the attempt unknown: when the request may have
/// reached the provider, or when it settles an attempt that already was unknown and the provider
/// did not refuse it (an answer that never came tells nothing about the first call).
template <class Result>
bool stays_unknown(const Result& r, bool settling) {
  return no_answer(r.outcome) && (r.outcome_unknown || (settling && !r.refused));
}

persistence::charge_outcome charge_outcome_of(const integrations::payment_result& r, bool settling) {
  using persistence::charge_outcome;
  if (r.outcome == gateway_outcome::succeeded)
    return charge_outcome::succeeded;
  if (r.outcome == gateway_outcome::pending)
    return charge_outcome::pending;
  return stays_unknown(r, settling) ? charge_outcome::unknown : charge_outcome::failed;
}

void send_refund(order_ptr self, const order_deps& d, int64_t id, const persistence::refund_begin_result& begun,
                 bool settling, refund_done done);

/// Records the gateway's answer to a charge and replies: the payment for succeeded, pending or
/// declined; 502/504 (with the payment, now unknown or failed) when the gateway failed. A
/// success on an order cancelled meanwhile is refunded at once and answered 409.
void record_charge(order_ptr self, const order_deps& d, int64_t payment_id, const integrations::payment_result& result,
                   bool settling, payment_done reply) {
  auto outcome = charge_outcome_of(result, settling);
  auto refund_ms = in_flight_ms(d);
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        auto done = persistence::finish_charge(c, payment_id, outcome, result.provider_payment_id,
                                               result.confirmation_url, result.detail, refund_ms);
        return charge_settlement{done, done ? std::nullopt : persistence::find_payment(c, payment_id)};
      }))
    .await(
      [=](charge_settlement& s) {
        if (!s.done) {  // settled meanwhile (another confirm, any node): report it, change nothing
          reply(s.current ? payment_reply{problem::none(), *s.current} : payment_reply{problem::unavailable(), {}});
          return;
        }
        auto& done = *s.done;
        self->state.cached = done.order;
        self->state.fetched_at = clock::now();
        if (done.cancellation_refund) {
          auto order_id = done.order.id;
          spdlog::warn("order {}: payment {} succeeded at the provider after the order was cancelled; refunding it "
                       "(refund {})",
                       order_id, payment_id, done.cancellation_refund->refund.id);
          auto payment = done.payment;
          send_refund(self, d, order_id, *done.cancellation_refund, false, [=](refund_reply r, bool unknown) {
            if (r.error)
              spdlog::error("order {}: refunding payment {} of the cancelled order failed ({}); {}", order_id,
                            payment_id, to_string(r.error.code),
                            unknown ? "it is settled later under the same key" : "reconcile it by hand");
            reply(payment_reply{problem::invalid_order_state("the order was cancelled; the charge is refunded"),
                                payment});
          });
          return;
        }
        if (no_answer(result.outcome)) {
          reply(payment_reply{payment_gateway_problem(result.detail, result.outcome), done.payment});
          return;
        }
        if (outcome == persistence::charge_outcome::succeeded)
          self->send(d.notifier, send_order_email{done.order.id, "order_confirmation",
                                                  "Order #" + std::to_string(done.order.id) + " is confirmed"});
        reply(payment_reply{problem::none(), done.payment});
      },
      [=](caf::error& e) {
        spdlog::error("payment {}: recording the gateway's answer failed: {}", payment_id, to_string(e));
        reply(payment_reply{problem::unavailable(), {}});
      });
}

/// Records the gateway's answer to a refund: accepted (the order's refunded state, an e-mail),
/// refused (the reservation released) or unknown (kept reserved).
void record_refund(order_ptr self, const order_deps& d, int64_t id, int64_t refund_id,
                   const integrations::refund_result& answer, bool settling, refund_done done) {
  using persistence::refund_outcome;
  auto outcome = answer.outcome == gateway_outcome::succeeded ? refund_outcome::accepted
                 : stays_unknown(answer, settling)            ? refund_outcome::unknown
                                                              : refund_outcome::refused;
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
        return persistence::finish_refund(c, refund_id, outcome, answer.status, answer.provider_refund_id);
      }))
    .await(
      [=](std::optional<persistence::refund_finish_result>& finished) {
        bool unknown = outcome == refund_outcome::unknown;
        if (!finished)
          return done(refund_reply{payment_gateway_problem(answer.detail, answer.outcome), {}}, unknown);
        self->state.cached = finished->order;
        self->state.fetched_at = clock::now();
        self->send(d.notifier,
                   send_order_email{id, "order_refunded", "Order #" + std::to_string(id) + " has been refunded"});
        done(refund_reply{problem::none(), finished->refund}, false);
      },
      [=](caf::error&) { done(refund_reply{problem::unavailable(), {}}, true); });
}

void send_refund(order_ptr self, const order_deps& d, int64_t id, const persistence::refund_begin_result& begun,
                 bool settling, refund_done done) {
  const auto& r = begun.refund;
  integrations::refund_request request{begun.provider_payment_id, r.amount_minor, r.currency, r.reason,
                                       r.idempotence_key};
  auto refund_id = r.id;
  self->request(d.gateways.payments, d.gateway_timeout, request)
    .await([=](integrations::refund_result& answer) { record_refund(self, d, id, refund_id, answer, settling, done); },
           [=](caf::error& e) {
             record_refund(self, d, id, refund_id, lost_answer<integrations::refund_result>(e), settling, done);
           });
}

/// The request an unknown charge was sent as, to send again under its key.
integrations::charge_request request_of(const persistence::unsettled_charge& u) {
  const auto& p = u.payment;
  return integrations::charge_request{p.order_id,       p.amount_minor,   p.currency,   p.payment_method,
                                      u.payment_token,  "Order #" + std::to_string(p.order_id), p.idempotence_key,
                                      u.return_url,     p.user_id,        u.client_ip};
}

/// What settling an order's unknown attempts gave.
struct settle_report {
  problem error;  ///< the database failed before anything was known
  bool charge_in_flight = false;
  std::optional<payment_reply> charge;  ///< the unknown charge's settling, when there was one
  int refunds_settled = 0;
  int refunds_unknown = 0;
  std::vector<persistence::refund_record> refunds_accepted;  ///< settled as done at the provider
  problem refund_problem;  ///< why the last refund stayed unknown
};
using report_ptr = std::shared_ptr<settle_report>;

void settle_refunds(order_ptr self, const order_deps& d, int64_t id, std::vector<persistence::refund_begin_result> left,
                    size_t next, report_ptr report, std::function<void(report_ptr)> done) {
  if (next == left.size())
    return done(report);
  send_refund(self, d, id, left[next], true, [=](refund_reply r, bool unknown) {
    if (unknown) {
      ++report->refunds_unknown;
      report->refund_problem = r.error;
    } else {
      ++report->refunds_settled;
      if (!r.error)
        report->refunds_accepted.push_back(r.refund);
    }
    settle_refunds(self, d, id, left, next + 1, report, done);
  });
}

/// The one settle function: every unknown attempt of the order, the charge first, each awaited.
void settle_attempts(order_ptr self, const order_deps& d, int64_t id, std::function<void(report_ptr)> done) {
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id](pg::connection& c) {
        return persistence::unsettled_attempts_of(c, id);
      }))
    .await(
      [=](persistence::unsettled_attempts& found) {
        auto report = std::make_shared<settle_report>();
        report->charge_in_flight = found.charge_in_flight;
        auto refunds = found.refunds;
        auto then_refunds = [=] { settle_refunds(self, d, id, refunds, 0, report, done); };
        if (!found.charge)
          return then_refunds();
        auto unknown = *found.charge;
        auto payment_id = unknown.payment.id;
        auto recorded = [=](payment_reply r) {
          report->charge = std::move(r);
          then_refunds();
        };
        spdlog::info("order {}: settling payment {} whose outcome is unknown, under its key", id, payment_id);
        auto answered = [=](integrations::payment_result& r) { record_charge(self, d, payment_id, r, true, recorded); };
        auto lost = [=](caf::error& e) {
          record_charge(self, d, payment_id, lost_answer<integrations::payment_result>(e), true, recorded);
        };
        if (unknown.payment.provider_payment_id)  // the provider named it: its status says
          self->request(d.gateways.payments, d.gateway_timeout, fetch_payment{*unknown.payment.provider_payment_id})
            .await(answered, lost);
        else  // asked by our order where it can be, else the same request under the same key
          self->request(d.gateways.payments, d.gateway_timeout, settle_charge{request_of(unknown), unknown.two_step})
            .await(answered, lost);
      },
      [=](caf::error&) {
        auto report = std::make_shared<settle_report>();
        report->error = problem::unavailable();
        done(report);
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
          return rp.deliver(payment_reply{problem::not_found("payment not found"), {}});
        const auto& p = *found;
        if (p.status == domain::charge_status::succeeded || p.status == domain::charge_status::failed)
          return rp.deliver(payment_reply{problem::none(), p});  // settled already: unchanged, no e-mail
        if (self->state.cached->payment_status == domain::payment_status::paid)
          return rp.deliver(payment_reply{problem::of(error_code::order_already_paid, "this order was paid by another payment"), {}});
        if (p.status != domain::awaiting_provider || !p.provider_payment_id)
          return rp.deliver(payment_reply{problem::of(error_code::payment_in_progress, "this payment is still being created"), {}});
        self->request(d.gateways.payments, d.gateway_timeout, fetch_payment{*p.provider_payment_id})
          .await([=](integrations::payment_result& r) mutable {
                   if (no_answer(r.outcome))
                     return rp.deliver(payment_reply{payment_gateway_problem(r.detail, r.outcome), {}});  // still pending
                   if (r.confirmation_url.empty() && p.confirmation_url)
                     r.confirmation_url = *p.confirmation_url;
                   record_charge(self, d, payment_id, r, false, [rp](payment_reply reply) mutable { rp.deliver(reply); });
                 },
                 [=](caf::error& e) mutable {
                   rp.deliver(payment_reply{payment_gateway_problem(to_string(e), gateway_outcome::gateway_error), {}});
                 });
      },
      [=](caf::error&) mutable { rp.deliver(payment_reply{problem::unavailable(), {}}); });
}

namespace {

/// Charges the cached order: begin (SQL: the attempt and its key, before the call), gateway
/// call, finish (SQL), each awaited.
void begin_new_charge(order_ptr self, const order_deps& d, int64_t id, const process_payment& cmd, caf::response_promise rp) {
  using persistence::begin_outcome;
  persistence::charge_attempt attempt{cmd.payment_method, d.gateways.payment_provider, cmd.two_step, cmd.payment_token,
                                      cmd.return_url,     cmd.client_ip,               in_flight_ms(d)};
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [id, attempt](pg::connection& c) {
        return persistence::begin_charge(c, id, attempt);
      }))
    .await(
      [=](persistence::begin_result& begun) mutable {
        switch (begun.outcome) {
          case begin_outcome::already_paid:
            return rp.deliver(payment_reply{problem::of(error_code::order_already_paid, "this order is already paid"), {}});
          case begin_outcome::in_progress:
            return rp.deliver(payment_reply{problem::of(error_code::payment_in_progress, "a payment for this order is in progress"), {}});
          case begin_outcome::invalid_state:
            return rp.deliver(payment_reply{problem::invalid_order_state("this order cannot be paid"), {}});
          case begin_outcome::started:
            break;
        }
        auto payment = begun.payment;
        integrations::charge_request request{id, payment.amount_minor, payment.currency, payment.payment_method,
                                             cmd.payment_token, "Order #" + std::to_string(id), payment.idempotence_key,
                                             cmd.return_url, payment.user_id, cmd.client_ip};
        auto reply = [rp](payment_reply r) mutable { rp.deliver(r); };
        self->request(d.gateways.payments, d.gateway_timeout, charge_payment{request, cmd.two_step})
          .await([=](integrations::payment_result& result) { record_charge(self, d, payment.id, result, false, reply); },
                 [=](caf::error& e) {
                   record_charge(self, d, payment.id, lost_answer<integrations::payment_result>(e), false, reply);
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
  settle_attempts(self, d, id, [=](report_ptr report) mutable {
    if (report->error)
      return rp.deliver(payment_reply{report->error, {}});
    if (report->charge_in_flight)
      return rp.deliver(payment_reply{problem::of(error_code::payment_in_progress, "a payment for this order is in progress"), {}});
    if (report->charge && report->charge->payment.status != domain::charge_status::failed)
      return rp.deliver(*report->charge);  // the earlier attempt stands: succeeded, pending, or still unknown
    // Nothing unknown, or the earlier attempt is known to have failed: a new charge may go.
    confirm_pending_or(self, d, id, rp, [=]() mutable { begin_new_charge(self, d, id, cmd, rp); });
  });
}

void recheck(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp) {
  // Nothing pending: the notification changes nothing.
  confirm_pending_or(self, d, id, rp, [=]() mutable { rp.deliver(payment_reply{}); });
}

/// Refunds part or all of the order's payment: settle unknown attempts, reserve (SQL: the refund
/// and its key, before the call), the gateway call, confirm or release (SQL), each awaited. The
/// reservation keeps any number of nodes within what was paid; an unknown refund keeps it.
void refund(order_ptr self, const order_deps& d, int64_t id, const refund_payment& cmd, caf::response_promise rp) {
  using persistence::refund_begin_outcome;
  auto amount = cmd.amount_minor;
  auto reason = cmd.reason;
  auto lease = in_flight_ms(d);
  settle_attempts(self, d, id, [=](report_ptr report) mutable {
    if (report->error)
      return rp.deliver(refund_reply{report->error, {}});
    if (report->refunds_unknown > 0)  // nothing new goes out before it is known
      return rp.deliver(refund_reply{report->refund_problem, {}});
    // The client's retry of a refund whose answer never came: the earlier one went through, so
    // it is the answer, as a retried charge gets the earlier payment (no second refund).
    if (!report->refunds_accepted.empty() &&
        (!amount || *amount == report->refunds_accepted.back().amount_minor))
      return rp.deliver(refund_reply{problem::none(), report->refunds_accepted.back()});
    self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [=](pg::connection& c) {
          return persistence::begin_refund(c, id, amount, reason, lease);
        }))
      .await(
        [=](persistence::refund_begin_result& begun) mutable {
          switch (begun.outcome) {
            case refund_begin_outcome::invalid_state:
              return rp.deliver(refund_reply{problem::invalid_order_state("only a paid order can be refunded"), {}});
            case refund_begin_outcome::not_positive:
              return rp.deliver(refund_reply{problem::validation({{"amount", {"must be above 0"}}}), {}});
            case refund_begin_outcome::exceeds_paid:
              return rp.deliver(refund_reply{problem{error_code::refund_exceeds_paid, "the amount exceeds what is left to refund",
                                                     {{"amount", {"exceeds the paid amount minus earlier refunds"}}}},
                                             {}});
            case refund_begin_outcome::started:
              break;
          }
          send_refund(self, d, id, begun, false, [rp](refund_reply r, bool) mutable { rp.deliver(r); });
        },
        [=](caf::error&) mutable { rp.deliver(refund_reply{problem::unavailable(), {}}); });
  });
}

void settle_unknown(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp) {
  settle_attempts(self, d, id, [=](report_ptr report) mutable {
    settle_reply out;
    out.error = report->error;
    out.in_flight = report->charge_in_flight;
    out.settled = report->refunds_settled;
    out.still_unknown = report->refunds_unknown;
    if (report->charge) {
      auto status = report->charge->payment.status;
      // processing: no outcome recorded at all (the empty payment of an unavailable reply)
      if (status == domain::charge_status::unknown || status == domain::charge_status::processing)
        ++out.still_unknown;
      else
        ++out.settled;
    }
    rp.deliver(out);
  });
}

}  // namespace commerce::actors::order_flows
