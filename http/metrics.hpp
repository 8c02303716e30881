// Prometheus metrics (GET /metrics): prometheus-cpp's core registry and text serializer, served
// by our own front door (no civetweb). What changes on every request is pre-resolved: each
// route of the table has its latency histogram and a lazily filled array of per-status counters,
// so recording a request is an array index, an atomic load and prometheus-cpp's atomic adds.
// Everything that can be read when someone scrapes (live actors, breakers, queue depth, pool
// use) is read then, not kept up to date on the request path.
#pragma once

#include "actors/gateway_messages.hpp"
#include "actors/job_workers.hpp"
#include "actors/supervision_messages.hpp"
#include "integrations/gateway_client.hpp"
#include "persistence/job_queue.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace commerce::http {

class router;

/// The series of one route (or of requests that matched none): hot-path recording only.
class route_series {
public:
  route_series(prometheus::Family<prometheus::Counter>& requests, prometheus::Histogram& latency, std::string route,
               std::string method);
  route_series(const route_series&) = delete;
  route_series& operator=(const route_series&) = delete;

  void observe(int status, double seconds);
  const std::string& route() const { return route_; }

private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Histogram& latency_;
  std::string route_, method_;
  std::mutex add_mtx_;  ///< only when a status is seen for the first time on this route
  std::array<std::atomic<prometheus::Counter*>, 600> by_status_{};
};

/// What the scrape reads from outside the HTTP layer; each part optional (a role may lack it).
struct metrics_sources {
  std::function<actors::job_worker_stats()> job_outcomes;  ///< this node's workers
  std::shared_ptr<persistence::job_queue_factory> job_queue;  ///< depth, read on a blocking pool
  std::function<size_t()> db_pool_size;
  std::function<size_t()> db_pool_idle;
  caf::actor blocking_pool;  ///< where the queue's depth is read (it blocks on Redis or PostgreSQL)
};

/// A snapshot gathered from the actors by the /metrics handler.
struct actor_snapshot {
  std::vector<std::pair<std::string, actors::supervisor_stats>> supervisors;  ///< kind -> counters
  std::vector<actors::gateway_status> gateways;
  int64_t running_actors = 0;  ///< every actor of the CAF system (registry().running())
  std::optional<persistence::job_queue_stats> queue;
  bool queue_unavailable = false;
};

class metrics {
public:
  /// `routes`: the complete table (one series per route, in its order).
  explicit metrics(const router& routes);
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  /// The series of route `index`, or of unmatched requests when `index` is out of range.
  route_series* route(size_t index);
  route_series* unmatched() { return unmatched_.get(); }

  void rate_limited();  ///< an auth request refused 429 (pre-resolved counter)
  void gateway_call(const integrations::call_record& r);
  void db_wait(std::chrono::nanoseconds waited, bool timed_out);

  metrics_sources sources;
  /// Counters the front door keeps anyway (app_context), read at scrape time.
  std::function<int64_t()> in_flight, open_connections, refused_connections;

  /// The whole exposition: the registry's series plus the snapshot's, in Prometheus text format.
  std::string render(const actor_snapshot& snapshot) const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_latency_;
  std::vector<std::unique_ptr<route_series>> routes_;
  std::unique_ptr<route_series> unmatched_;
  prometheus::Counter& rate_limited_;
  prometheus::Family<prometheus::Counter>& gateway_calls_;
  prometheus::Family<prometheus::Counter>& gateway_errors_;
  prometheus::Family<prometheus::Histogram>& gateway_latency_;
  prometheus::Histogram& db_wait_;
  prometheus::Counter& db_timeouts_;
};

}  // namespace commerce::http
