// SQL of the beat (its durable schedule, migration 0009) and of its periodic jobs: the batches
// they work through (pending payments, shipments to track, abandoned carts) and what they record.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

// ---- the schedule ---------------------------------------------------------------------------

/// Makes sure the entry has a row and returns its next slot (Unix seconds): the stored one, or
/// `first_slot` for a new entry or one whose job type or schedule changed.
int64_t ensure_beat_entry(pg::connection& c, const std::string& name, const std::string& job_type,
                          const std::string& schedule, int64_t first_slot);

/// The entry's next slot as stored (another leader may have moved it).
std::optional<int64_t> beat_next_run(pg::connection& c, const std::string& name);

/// Claims `slot` for this beat: moves next_run_at from `slot` to `next` and last_run_at to
/// `slot`, only if next_run_at is still `slot`. True for exactly one claimer per slot.
bool claim_beat_slot(pg::connection& c, const std::string& name, int64_t slot, int64_t next);

/// Gives a claimed slot back (its job could not be queued): next_run_at returns to `slot`
/// unless another beat moved it on meanwhile.
void release_beat_slot(pg::connection& c, const std::string& name, int64_t slot, int64_t next);

/// Notes the task a slot raised.
void record_beat_task(pg::connection& c, const std::string& name, int64_t slot, const std::string& task_id);

// ---- payments.poll_pending ------------------------------------------------------------------

/// Orders whose payment has waited at the provider (pending, with a provider id) for at least
/// `min_age_seconds`, the longest-waiting first, at most `limit`.
std::vector<int64_t> orders_with_pending_payments(pg::connection& c, int64_t min_age_seconds, int64_t limit);

// ---- shipments.refresh_tracking --------------------------------------------------------------

struct shipment_to_track {
  int64_t id = 0;
  int64_t order_id = 0;
  std::string provider_shipment_id;
  std::string tracking_number;
};

/// Booked shipments of `provider` that are not in a final state (delivered, returned, ...)
/// whose carrier was never asked, or last asked at least `min_age_seconds` ago; never-asked
/// first, then the longest-unasked.
std::vector<shipment_to_track> shipments_to_track(pg::connection& c, const std::string& provider,
                                                  int64_t min_age_seconds, int64_t limit);

/// Records the carrier's answer: status, tracking number (if it gave one) and events (a JSON
/// array we wrote), and that it was asked now. `status` empty: only the time of asking.
void record_tracking(pg::connection& c, int64_t shipment_id, const std::string& status,
                     const std::string& tracking_number, const std::string& events_json);

/// The statuses after which a shipment is no longer tracked (lower case).
bool final_tracking_status(const std::string& status);

// ---- carts.remind_abandoned ------------------------------------------------------------------

struct abandoned_cart {
  int64_t user_id = 0;
  std::string email;
  std::string first_name;
  int64_t lines = 0;
  int64_t units = 0;
  std::string changed_at;  ///< the cart's last change, as PostgreSQL wrote it (the claim's key)
};

/// Active users whose cart lines were all untouched for `after_seconds` and who were not
/// reminded since the cart last changed, the oldest carts first.
std::vector<abandoned_cart> abandoned_carts(pg::connection& c, int64_t after_seconds, int64_t limit);

/// Claims the reminder of this cart change; false when one was already claimed (any node).
bool claim_cart_reminder(pg::connection& c, int64_t user_id, const std::string& changed_at);

/// Records how the reminder went: its status and a notification row (no order).
void finish_cart_reminder(pg::connection& c, int64_t user_id, bool sent, const std::string& provider,
                          const std::string& recipient);

}  // namespace commerce::persistence
