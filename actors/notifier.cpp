#include "actors/notifier.hpp"

#include "actors/payment_messages.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

caf::behavior notifier(caf::event_based_actor* self, notifier_deps d) {
  return {
    [=](const send_order_email& cmd) {
      auto order_id = cmd.order_id;
      // 1. the recipient (database pool) 2. the send (gateway pool) 3. the record (database pool)
      self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [order_id](pg::connection& c) {
            return persistence::order_owner_email(c, order_id).value_or("");
          }))
        .then(
          [=](std::string& recipient) {
            if (recipient.empty())
              return;
            integrations::email_message m{recipient, cmd.template_name, cmd.subject, order_id,
                                          {{"order_id", std::to_string(order_id)}}};
            auto email = d.email;
            auto record = [=](bool accepted) {
              persistence::notification_record n{0, order_id, "email", email->provider(), cmd.template_name,
                                                 accepted ? "sent" : "failed", recipient, ""};
              if (!accepted)
                spdlog::warn("order {}: the {} e-mail was not accepted by the gateway", order_id, cmd.template_name);
              self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [n](pg::connection& c) {
                    auto user = c.exec("SELECT user_id FROM orders WHERE id = $1::bigint", {pg::to_param(n.order_id)});
                    return persistence::record_notification(c, n, user.int64(0, 0)).id;
                  }))
                .then([](int64_t) {},
                      [=](caf::error& e) { spdlog::error("order {}: recording a notification failed: {}", order_id, to_string(e)); });
            };
            self->request(d.gateway_workers, d.gateway_timeout, cpu_job([email, m] { return email->send(m).accepted; }))
              .then([=](bool accepted) { record(accepted); }, [=](caf::error&) { record(false); });
          },
          [=](caf::error& e) { spdlog::warn("order {}: no recipient for the e-mail: {}", order_id, to_string(e)); });
    },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& sys, notifier_deps deps) { return sys.spawn(notifier, std::move(deps)); }

}  // namespace commerce::actors
