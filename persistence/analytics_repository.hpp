// SQL for analytics events: id blocks from the sequence, batched inserts, and the statistics.
// Times are microseconds since the Unix epoch (UTC), converted exactly in SQL.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::persistence {

struct analytics_event_row {
  int64_t id = 0;
  std::string type;
  std::optional<int64_t> user_id;
  int64_t occurred_at_us = 0;
  std::optional<int64_t> amount_minor;
  std::string data;  ///< the JSON object as received
};

/// `count` fresh ids from analytics_events_id_seq (unique across every node).
std::vector<int64_t> reserve_analytics_ids(pg::connection& c, int count);

struct analytics_insert_result {
  int64_t stored = 0;   ///< rows written now (a row already there from an earlier attempt is not counted)
  int64_t refused = 0;  ///< rows PostgreSQL refused as data (logged and dropped; the rest are kept)
};
/// One multi-row INSERT ... ON CONFLICT (id) DO NOTHING, so a repeated batch is harmless. If
/// PostgreSQL refuses the data of one row (SQLSTATE class 22/23), the rows are inserted one by
/// one and only the refused ones are dropped. Any other error (connection, timeout) throws.
analytics_insert_result insert_analytics_events(pg::connection& c, const std::vector<analytics_event_row>& rows);

struct analytics_counts {
  int64_t page_views = 0;
  int64_t add_to_cart = 0;
  int64_t purchases = 0;
  int64_t total_events = 0;
  int64_t revenue_minor = 0;  ///< purchases' amount_minor summed
};
/// Counts over [from, to) (either end open when absent).
analytics_counts analytics_stats(pg::connection& c, std::optional<int64_t> from_us, std::optional<int64_t> to_us);

}  // namespace commerce::persistence
