// The payment desk: payment and refund reads, the payment provider's webhooks, an order's
// notifications and the Idempotency-Key claims of payments and refunds. None of them needs
// the order's serialisation, so they go neither through the order's actor nor through the
// order supervisor's mailbox; each is one database job (or a gateway check) answered when it
// completes, many at a time.
#pragma once

#include "actors/db_calls.hpp"
#include "actors/gateway_actors.hpp"
#include "actors/job_messages.hpp"
#include "actors/payment_messages.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

struct payment_desk_deps {
  db_access db;
  gateway_actors gateways;                           ///< webhooks are verified by the payment gateway actor
  std::chrono::milliseconds gateway_timeout{30000};  ///< a whole gateway job, retries included
  order_api orders;                                  ///< settles the payment a webhook names (recheck_payment)
  job_desk_api jobs;  ///< queues notification jobs (request_notification); invalid: answered unavailable
};

payment_desk_api spawn_payment_desk(caf::actor_system& sys, payment_desk_deps deps);

}  // namespace commerce::actors
