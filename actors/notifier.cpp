#include "actors/notifier.hpp"

#include "actors/payment_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

/// Records one delivery attempt as a notification (database pool).
void record(caf::event_based_actor* self, const notifier_deps& d, persistence::notification_record n, int64_t user_id) {
  if (n.status == "failed")
    spdlog::warn("order {}: the {} {} was not accepted by {}", n.order_id, n.notification_type, n.type, n.provider);
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [n, user_id](pg::connection& c) {
        return persistence::record_notification(c, n, user_id).id;
      }))
    .then([](int64_t) {},
          [order_id = n.order_id](caf::error& e) {
            spdlog::error("order {}: recording a notification failed: {}", order_id, to_string(e));
          });
}

/// Sends through an integration actor, then records the outcome.
template <class Message>
void deliver(caf::event_based_actor* self, const notifier_deps& d, const caf::actor& gateway,
             persistence::notification_record n, int64_t user_id, Message message) {
  self->request(gateway, d.gateway_timeout, std::move(message))
    .then(
      [=](integrations::send_result& sent) mutable {
        n.status = sent.accepted ? "sent" : "failed";
        record(self, d, n, user_id);
      },
      [=](caf::error&) mutable {
        n.status = "failed";
        record(self, d, n, user_id);
      });
}

caf::behavior notifier(caf::event_based_actor* self, notifier_deps d) {
  return {
    [=](const send_order_email& cmd) {
      auto order_id = cmd.order_id;
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [order_id](pg::connection& c) {
            return persistence::order_owner_contact(c, order_id).value_or(persistence::owner_contact{});
          }))
        .then(
          [=](persistence::owner_contact& who) {
            if (who.user_id == 0)
              return;
            const auto& g = d.gateways;
            deliver(self, d, g.email, {0, order_id, "email", g.email_provider, cmd.template_name, "", who.email, ""},
                    who.user_id,
                    integrations::email_message{who.email, cmd.template_name, cmd.subject, order_id,
                                                {{"order_id", std::to_string(order_id)}}, ""});
            // The same news by SMS, when the owner gave a phone and an SMS provider is set up.
            if (g.sms && who.phone)
              deliver(self, d, g.sms, {0, order_id, "sms", g.sms_provider, cmd.template_name, "", *who.phone, ""},
                      who.user_id, integrations::sms_message{*who.phone, cmd.subject});
          },
          [=](caf::error& e) { spdlog::warn("order {}: no recipient for the notification: {}", order_id, to_string(e)); });
    },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& sys, notifier_deps deps) { return sys.spawn(notifier, std::move(deps)); }

}  // namespace commerce::actors
