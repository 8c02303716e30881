// The beat's periodic jobs (job_types: reservations.release, payments.reconcile,
// payments.poll_pending, shipments.refresh_tracking, carts.remind_abandoned). Each runs on a
// worker's thread, works through a bounded batch, asks the domain and integration actors as the
// requests of the API do, and is idempotent: running it twice (a re-fired slot, a redelivered
// job) has the effect of running it once. inventory.sync is the inventory domain's.
#pragma once

#include "actors/gateway_actors.hpp"
#include "actors/job_messages.hpp"
#include "actors/order_messages.hpp"

#include <chrono>
#include <memory>

namespace commerce::pg {
class pool;
}

namespace commerce::actors {

struct periodic_job_deps {
  std::shared_ptr<pg::pool> db;
  order_api orders;          ///< the sweep, settling and payment re-checks go through the order's actor
  gateway_actors gateways;   ///< shipping (tracking) and e-mail (cart reminders)
  std::chrono::milliseconds call_timeout{30000};  ///< one ask: a whole gateway job, retries included
  std::chrono::seconds cart_reminder_after{86400};  ///< CART_REMINDER_AFTER_SECONDS
  /// Only attempts unknown this long are reconciled: a buyer's own retry settles fresh ones.
  std::chrono::seconds reconcile_min_age{60};
  /// Only payments pending this long are polled: the buyer may still be confirming.
  std::chrono::seconds pending_min_age{60};
  /// A shipment's carrier is asked again after this long (a new shipment on the next run).
  std::chrono::seconds tracking_min_age{600};
  int64_t batch = 100;  ///< orders, shipments or carts per run
};

/// Registers the periodic handlers.
void add_periodic_jobs(job_registry& registry, periodic_job_deps deps);

}  // namespace commerce::actors
