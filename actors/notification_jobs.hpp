// The notification job: job_types::send_notification, which POST /api/notifications/send/
// starts (API.md §3.7). It e-mails the order's owner through the e-mail integration actor (and
// sends the same by SMS where the notifier does: the owner gave a phone and an SMS provider is
// set up), each recorded as a notification N. Each send is claimed in PostgreSQL under the
// task's id before the call (claim_task_notification) and carries the task's id as its
// Idempotency-Key, so a redelivered or retried run sends nothing that was already accepted.
// An e-mail the gateway did not accept is retried (RETRY, then FAILURE when the attempts run
// out, its N staying 'failed').
#pragma once

#include "actors/gateway_actors.hpp"
#include "actors/job_messages.hpp"

#include <array>
#include <chrono>
#include <memory>
#include <string>

namespace commerce::pg {
class pool;
}

namespace commerce::actors {

struct notification_job_deps {
  std::shared_ptr<pg::pool> db;
  gateway_actors gateways;                           ///< e-mail and (when configured) SMS
  std::chrono::milliseconds gateway_timeout{30000};  ///< one send at most, its retries included
};

/// Registers the handler of job_types::send_notification.
void add_notification_jobs(job_registry& registry, notification_job_deps deps);

/// The order notifications a client may ask for (the e-mail templates of API.md §6).
inline constexpr std::array<const char*, 4> order_notification_types{"order_created", "order_confirmation",
                                                                     "order_shipped", "order_refunded"};
bool is_order_notification(const std::string& type);

/// The job's payload: `{"order_id": N, "notification_type": "..."}`.
std::string send_notification_payload(int64_t order_id, const std::string& notification_type);

}  // namespace commerce::actors
