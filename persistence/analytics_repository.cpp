#include "persistence/analytics_repository.hpp"

#include <spdlog/spdlog.h>

namespace commerce::persistence {

namespace {

constexpr const char* insert_head =
  "INSERT INTO analytics_events (id, type, user_id, occurred_at, amount_minor, data) VALUES ";
// Exact: integer microseconds, no floating point on the way.
constexpr const char* at_time = "to_timestamp(0) + $%d::bigint * interval '1 microsecond'";
constexpr int columns = 6;

std::string values_row(int first) {
  char at[96];
  std::snprintf(at, sizeof at, at_time, first + 3);
  return "($" + std::to_string(first) + "::bigint, $" + std::to_string(first + 1) + ", $" + std::to_string(first + 2) +
         "::bigint, " + at + ", $" + std::to_string(first + 4) + "::bigint, $" + std::to_string(first + 5) + "::jsonb)";
}

void bind(pg::params& args, const analytics_event_row& r) {
  args.emplace_back(pg::to_param(r.id));
  args.emplace_back(r.type);
  args.emplace_back(r.user_id ? pg::param{pg::to_param(*r.user_id)} : std::nullopt);
  args.emplace_back(pg::to_param(r.occurred_at_us));
  args.emplace_back(r.amount_minor ? pg::param{pg::to_param(*r.amount_minor)} : std::nullopt);
  args.emplace_back(r.data);
}

int64_t insert_rows(pg::connection& c, const analytics_event_row* rows, size_t n) {
  std::string sql = insert_head;
  pg::params args;
  args.reserve(n * columns);
  for (size_t i = 0; i < n; ++i) {
    if (i)
      sql += ", ";
    sql += values_row(static_cast<int>(i * columns + 1));
    bind(args, rows[i]);
  }
  sql += " ON CONFLICT (id) DO NOTHING";
  return c.exec(sql, args).affected();
}

/// The row's data was refused (bad value, violated constraint): retrying cannot help.
bool refused_as_data(const pg::error& e) {
  auto cls = e.sqlstate().substr(0, 2);
  return cls == "22" || cls == "23";
}

}  // namespace

std::vector<int64_t> reserve_analytics_ids(pg::connection& c, int count) {
  auto r = c.exec("SELECT nextval('analytics_events_id_seq') FROM generate_series(1, $1::int)", {std::to_string(count)});
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    ids.push_back(r.int64(i, 0));
  return ids;
}

analytics_insert_result insert_analytics_events(pg::connection& c, const std::vector<analytics_event_row>& rows) {
  analytics_insert_result out;
  if (rows.empty())
    return out;
  try {
    out.stored = insert_rows(c, rows.data(), rows.size());
    return out;
  } catch (const pg::error& e) {
    if (!refused_as_data(e))
      throw;
    spdlog::warn("analytics: a batch of {} events was refused ({}); writing them one by one", rows.size(), e.what());
  }
  for (const auto& row : rows) {
    try {
      out.stored += insert_rows(c, &row, 1);
    } catch (const pg::error& e) {
      if (!refused_as_data(e))
        throw;
      ++out.refused;
      spdlog::error("analytics: event {} ({}) dropped, PostgreSQL refused it: {}", row.id, row.type, e.what());
    }
  }
  return out;
}

analytics_counts analytics_stats(pg::connection& c, std::optional<int64_t> from_us, std::optional<int64_t> to_us) {
  pg::params window{from_us ? pg::param{pg::to_param(*from_us)} : std::nullopt,
                    to_us ? pg::param{pg::to_param(*to_us)} : std::nullopt};
  // Each statement has a window the planner sees (the ends default to ±infinity), so both use
  // their index: (type, occurred_at) INCLUDE (amount_minor), and (occurred_at).
  constexpr const char* from = "coalesce(to_timestamp(0) + $1::bigint * interval '1 microsecond', '-infinity')";
  constexpr const char* to = "coalesce(to_timestamp(0) + $2::bigint * interval '1 microsecond', 'infinity')";
  analytics_counts out;
  auto per_type = c.exec(std::string{"SELECT type, count(*), coalesce(sum(amount_minor), 0)::bigint FROM analytics_events"
                                     " WHERE type IN ('page_view', 'add_to_cart', 'purchase')"
                                     " AND occurred_at >= "} + from + " AND occurred_at < " + to + " GROUP BY type",
                         window);
  for (int i = 0; i < per_type.rows(); ++i) {
    auto in = per_type.row(i);
    auto type = in.str();
    auto count = in.int64();
    auto money = in.int64();
    if (type == "page_view")
      out.page_views = count;
    else if (type == "add_to_cart")
      out.add_to_cart = count;
    else {
      out.purchases = count;
      out.revenue_minor = money;
    }
  }
  out.total_events = c.exec(std::string{"SELECT count(*) FROM analytics_events WHERE occurred_at >= "} + from +
                              " AND occurred_at < " + to,
                            window)
                       .int64(0, 0);
  return out;
}

}  // namespace commerce::persistence
