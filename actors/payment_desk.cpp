#include "actors/payment_desk.hpp"

#include "actors/notification_jobs.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <optional>

namespace commerce::actors {

namespace {

payment_desk_api::behavior_type payment_desk(payment_desk_api::pointer self, payment_desk_deps d) {
  return {
    [=](const get_payment& cmd) {
      auto q = cmd;
      return reply_from_db<payment_reply>(self, d.db, [q](pg::connection& c) {
        auto p = persistence::find_payment(c, q.payment_id);
        if (!p || !q.who.may_see(p->user_id))
          return payment_reply{problem::not_found("payment not found"), {}};
        return payment_reply{problem::none(), *p};
      });
    },
    [=](const get_refund& cmd) {
      auto q = cmd;
      return reply_from_db<refund_reply>(self, d.db, [q](pg::connection& c) {
        auto f = persistence::find_refund(c, q.refund_id);
        auto o = f ? persistence::find_order(c, f->order_id) : std::nullopt;
        if (!f || !o || !q.who.may_see(o->user_id))
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
        if (!o || !q.who.may_see(o->user_id))
          return notifications_reply{problem::not_found("order not found"), {}};
        return notifications_reply{problem::none(), persistence::notifications_of_order(c, q.order_id)};
      });
    },
    [=](const request_notification& cmd) {
      auto rp = self->make_response_promise<task_reply>();
      auto q = cmd;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [q](pg::connection& c) {
            auto owner = persistence::order_owner_contact(c, q.order_id);
            return owner && q.who.may_see(owner->user_id) ? owner->user_id : int64_t{0};
          }))
        .then(
          [=](int64_t owner) mutable {
            if (owner == 0 || !d.jobs) {
              rp.deliver(task_reply{owner == 0 ? problem::not_found("order not found") : problem::unavailable(), {}});
              return;
            }
            // The task belongs to the order's owner, whoever (owner or staff) asked for it.
            self->request(d.jobs, d.db.timeout,
                          enqueue_job{job_types::send_notification,
                                      send_notification_payload(q.order_id, q.notification_type), owner})
              .then([=](task_reply& r) mutable { rp.deliver(std::move(r)); },
                    [=](caf::error&) mutable { rp.deliver(task_reply{problem::unavailable(), {}}); });
          },
          [=](caf::error&) mutable { rp.deliver(task_reply{problem::unavailable(), {}}); });
      return rp;
    },
    [=](const payment_webhook& hook) {
      auto rp = self->make_response_promise<webhook_reply>();
      // A notification about no order of ours (or no pending payment) is acknowledged and
      // changes nothing; a recheck that fails (gateway down) is not, so the provider retries.
      auto recheck = [=](int64_t order_id, const std::string& ack) mutable {
        if (order_id <= 0) {
          rp.deliver(webhook_reply{problem::none(), ack});
          return;
        }
        self->request(d.orders, d.db.timeout + d.gateway_timeout, recheck_payment{order_id})
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
  };
}

}  // namespace

payment_desk_api spawn_payment_desk(caf::actor_system& sys, payment_desk_deps deps) {
  return sys.spawn(payment_desk, std::move(deps));
}

}  // namespace commerce::actors
