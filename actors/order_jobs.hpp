// The order's background job: job_types::process_order, the fulfilment POST
// /api/orders/{id}/process/ starts (API.md §3.4). It runs on a worker thread and asks the order
// supervisor step by step, each step a message the order's actor serialises and records in
// PostgreSQL before it answers, so a redelivered job finds what its earlier run did and goes on
// from there (one reservation, one charge, one shipment):
//   1. ensure_reserved   the stock, reserved again if a release took it back;
//   2. process_payment   unless paid: the charge /api/payments/process/ makes, which settles an
//                        earlier charge whose outcome is unknown before it sends anything new;
//   3. create_shipment   unless one exists: the booking /api/shipping/create/ makes;
//   4. advance_order     to processing.
#pragma once

#include "actors/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace commerce::pg {
class pool;
}

namespace commerce::actors {

struct order_job_deps {
  order_api orders;                ///< the order supervisor
  std::shared_ptr<pg::pool> db;    ///< the owner's phone, for the carrier's recipient
  /// One step's answer at most: a charge (its settling, the call, the status check) or a booking.
  std::chrono::milliseconds step_timeout{60000};
};

/// Registers the handler of job_types::process_order.
void add_order_jobs(job_registry& registry, order_job_deps deps);

/// The process job's payload: `{"order_id": N}` and, when the caller gave one, `"payment_token"`
/// (what the charge is made with). Without a token the charge goes out without one, as the
/// generic gateway's API allows; a provider that needs one declines it (FAILURE, order unpaid),
/// one that redirects the buyer answers pending (RETRY until the buyer confirms).
std::string process_order_payload(int64_t order_id, const std::string& payment_token);

}  // namespace commerce::actors
