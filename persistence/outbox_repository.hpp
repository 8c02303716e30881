// The e-mail outbox (email_outbox, migrations 0001 and 0016): rows written in the transaction of
// the change that causes the e-mail (registration's verify_email), delivered by the job
// emails.deliver_outbox.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::persistence {

struct outbox_email {
  int64_t id = 0;
  std::string recipient;
  std::string template_name;
  std::string payload = "{}";              ///< a JSON object's text (verify_email: {"token": ...})
  int attempts = 0;                          ///< this claim included
};

/// Claims up to `limit` queued rows that are due, oldest first, skipping rows another run holds
/// (FOR UPDATE SKIP LOCKED): each gets attempts + 1 and is not due again for `lease_seconds`
/// (a run that dies mid-send leaves it to the next run after that).
std::vector<outbox_email> claim_outbox_emails(pg::connection& c, int64_t limit, int64_t lease_seconds);

/// The gateway accepted the e-mail: 'sent'. False when the row was no longer queued (another
/// run finished it first).
bool mark_outbox_sent(pg::connection& c, int64_t id);

/// The gateway refused it: queued again after `retry_after_seconds`, or 'failed' once
/// `attempts` reached `max_attempts`; `error` is kept either way. Whether it is now 'failed'.
bool mark_outbox_attempt_failed(pg::connection& c, int64_t id, const std::string& error, int max_attempts,
                                int64_t retry_after_seconds);

}  // namespace commerce::persistence
