// The analytics writer's protocol: track an event (answered at once with its id), read the
// statistics (after the writer has stored every event accepted before the question), its own
// counters, and the drain a clean shutdown ends with.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/analytics_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace commerce::actors {

/// One event. `data` is the whole JSON object as received (its JSON types already checked);
/// `amount_minor` its money field, read by the handler.
struct track_event {
  std::string type;
  std::optional<int64_t> user_id;
  std::optional<int64_t> amount_minor;
  std::string data;
};
/// The id the event will be stored under; 503 when the buffer is full or the writer is stopping.
struct track_reply {
  problem error;
  int64_t id = 0;
};

/// Statistics over [from, to) (microseconds since the epoch; either end open).
struct get_analytics_stats {
  std::optional<int64_t> from_us;
  std::optional<int64_t> to_us;
};
struct analytics_stats_reply {
  problem error;
  persistence::analytics_counts counts;
};

/// The writer's own counters (tests, the admin console).
struct get_analytics_counters {};
struct analytics_counters {
  int64_t accepted = 0;  ///< events answered with an id
  int64_t settled = 0;   ///< of those, the ones whose batch is done (stored, or refused by PostgreSQL)
  int64_t refused = 0;   ///< rows PostgreSQL refused as data (dropped, logged)
  int64_t batches = 0;   ///< INSERT statements that succeeded
  int64_t retries = 0;   ///< failed attempts, each retried after a backoff
  int64_t buffered = 0;  ///< waiting or being written now
};

/// Stops taking events, writes every buffered one (retrying within `limit`), answers, and quits.
struct drain_analytics {
  std::chrono::milliseconds limit{10000};
};
struct analytics_drain_reply {
  int64_t settled = 0;  ///< events settled in total
  int64_t lost = 0;     ///< events still unwritten when `limit` ran out (0 on a clean stop)
};

// The writer's own timers.
struct analytics_flush_tick {};
struct analytics_retry_tick {};
struct analytics_drain_deadline {};

using analytics_api = caf::typed_actor<caf::replies_to<track_event>::with<track_reply>,
                                       caf::replies_to<get_analytics_stats>::with<analytics_stats_reply>,
                                       caf::replies_to<get_analytics_counters>::with<analytics_counters>,
                                       caf::replies_to<drain_analytics>::with<analytics_drain_reply>,
                                       caf::reacts_to<analytics_flush_tick>, caf::reacts_to<analytics_retry_tick>,
                                       caf::reacts_to<analytics_drain_deadline>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::track_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::track_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_analytics_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_stats_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_analytics_counters)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_counters)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::drain_analytics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_drain_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_flush_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_retry_tick)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::analytics_drain_deadline)
