// The analytics writer: POST /api/analytics/track/ hands it an event and gets the event's id at
// once (ids come from blocks reserved from the table's sequence); the writer stores events in
// batches on the blocking db pool, one multi-row INSERT at a time, every `flush_interval` or as
// soon as `batch_events` are waiting. A failed write is retried with backoff (the same ids, so a
// repeat cannot duplicate); meanwhile at most `buffer_events` wait, and more get 503. A clean
// shutdown drains it (stop_analytics_writer) before the db pool stops.
#pragma once

#include "actors/analytics_messages.hpp"
#include "actors/db_calls.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>

namespace commerce::actors {

struct analytics_deps {
  db_access db;
  std::chrono::milliseconds flush_interval{200};  ///< ANALYTICS_FLUSH_MS
  size_t batch_events = 500;                      ///< ANALYTICS_BATCH_EVENTS: rows per INSERT at most
  size_t buffer_events = 20000;                   ///< ANALYTICS_BUFFER_EVENTS: waiting + being written
};

/// Reserves the first id block on the calling thread (so the first event has an id at once) and
/// spawns the writer.
analytics_api spawn_analytics_writer(caf::actor_system& sys, analytics_deps deps);

/// The clean-shutdown step: the writer stops taking events, writes all it holds (retrying for up
/// to `limit`), then quits. Blocks the caller until then. Call it after the HTTP front door has
/// stopped and before the db pool gets its exit. Returns how many events could not be written
/// (-1: the writer did not answer at all).
int64_t stop_analytics_writer(caf::actor_system& sys, const analytics_api& writer, std::chrono::milliseconds limit);

}  // namespace commerce::actors
