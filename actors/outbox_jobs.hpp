// The e-mail outbox's delivery: job_types::deliver_outbox (emails.deliver_outbox), raised by
// registration right after its commit and by the beat every 10 s. A run claims queued rows of
// email_outbox in batches (persistence/outbox_repository.hpp: FOR UPDATE SKIP LOCKED and a lease,
// so concurrent runs take different rows), sends each through the e-mail integration actor with
// Idempotency-Key "outbox:<id>" (a resend after a lost answer or a dead worker is one e-mail at
// the provider), and marks it 'sent'; a refused one waits a backoff and is 'failed', with its
// last error, after `max_attempts`. A row's failure never stops the others, and a row once sent
// is never claimed again, so a redelivered or re-fired job sends nothing twice.
#pragma once

#include "actors/gateway_actors.hpp"
#include "actors/job_messages.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace commerce::pg {
class pool;
}

namespace commerce::actors {

struct outbox_job_deps {
  std::shared_ptr<pg::pool> db;
  gateway_actors gateways;                           ///< e-mail
  std::chrono::milliseconds gateway_timeout{30000};  ///< one send at most, its retries included
  int64_t batch = 50;         ///< rows claimed at once
  int64_t max_batches = 20;   ///< a run's bound: more rows are left to the next run
  int max_attempts = 10;      ///< then the row is 'failed'
  std::chrono::seconds retry_base{2};   ///< a refused row waits retry_base * 2^(attempts-1) ...
  std::chrono::seconds retry_max{600};  ///< ... at most this long
};

/// Registers the handler of job_types::deliver_outbox.
void add_outbox_jobs(job_registry& registry, outbox_job_deps deps);

}  // namespace commerce::actors
