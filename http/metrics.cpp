#include "http/metrics.hpp"

#include "http/router.hpp"

#include <prometheus/text_serializer.h>

#include <pistache/http_defs.h>

namespace commerce::http {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

/// Request latency: 1 ms to 30 s (REQUEST_TIMEOUT_MS is 15 s by default).
const prometheus::Histogram::BucketBoundaries& request_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                         0.25,  0.5,    1,     2.5,  5,     10,  30};
  return b;
}

/// Gateway calls and pool waits: the same range, a pool wait usually far below a millisecond.
const prometheus::Histogram::BucketBoundaries& wait_buckets() {
  static const prometheus::Histogram::BucketBoundaries b{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                                         0.1,    0.5,    1,     2.5,   5};
  return b;
}

/// A family whose values are read at scrape time.
MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add_value(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

}  // namespace

route_series::route_series(prometheus::Family<prometheus::Counter>& requests, prometheus::Histogram& latency,
                           std::string route, std::string method)
  : requests_(requests), latency_(latency), route_(std::move(route)), method_(std::move(method)) {}

void route_series::observe(int status, double seconds) {
  latency_.Observe(seconds);
  if (status < 0 || status >= static_cast<int>(by_status_.size()))
    status = 0;
  auto* counter = by_status_[status].load(std::memory_order_acquire);
  if (!counter) {  // the first request of this route with this status: the only label lookup
    std::lock_guard<std::mutex> guard{add_mtx_};
    counter = by_status_[status].load(std::memory_order_relaxed);
    if (!counter) {
      counter = &requests_.Add({{"route", route_}, {"method", method_}, {"status", std::to_string(status)}});
      by_status_[status].store(counter, std::memory_order_release);
    }
  }
  counter->Increment();
}

metrics::metrics(const router& table)
  : registry_(std::make_shared<prometheus::Registry>()),
    http_requests_(prometheus::BuildCounter()
                     .Name("commerce_http_requests_total")
                     .Help("HTTP requests answered, by route template, method and status")
                     .Register(*registry_)),
    http_latency_(prometheus::BuildHistogram()
                    .Name("commerce_http_request_duration_seconds")
                    .Help("Time from a parsed request to its response handed to the socket, by route template")
                    .Register(*registry_)),
    rate_limited_(prometheus::BuildCounter()
                            .Name("commerce_rate_limit_rejections_total")
                            .Help("Requests refused 429 by the auth rate limits")
                            .Register(*registry_)
                            .Add({{"limit", "auth"}})),
    gateway_calls_(prometheus::BuildCounter()
                     .Name("commerce_gateway_calls_total")
                     .Help("Outbound gateway calls, by provider and operation")
                     .Register(*registry_)),
    gateway_errors_(prometheus::BuildCounter()
                      .Name("commerce_gateway_errors_total")
                      .Help("Outbound gateway calls that failed, by provider, operation and reason")
                      .Register(*registry_)),
    gateway_latency_(prometheus::BuildHistogram()
                       .Name("commerce_gateway_call_duration_seconds")
                       .Help("Outbound gateway call latency, retries included, by provider")
                       .Register(*registry_)),
    db_wait_(prometheus::BuildHistogram()
               .Name("commerce_db_pool_wait_seconds")
               .Help("Time spent waiting for a pooled PostgreSQL connection")
               .Register(*registry_)
               .Add({}, wait_buckets())),
    db_timeouts_(prometheus::BuildCounter()
                   .Name("commerce_db_pool_timeouts_total")
                   .Help("Waits for a pooled PostgreSQL connection that gave up (pool exhausted)")
                   .Register(*registry_)
                   .Add({})) {
  for (const auto& r : table.routes()) {
    auto method = std::string{Pistache::Http::methodString(r.method)};
    const auto& name = r.pattern;
    auto& latency = http_latency_.Add({{"route", name}, {"method", method}}, request_buckets());
    routes_.push_back(std::make_unique<route_series>(http_requests_, latency, name, method));
  }
  // Unmatched paths share one series: raw paths as labels would let clients create series.
  auto& latency = http_latency_.Add({{"route", "unmatched"}, {"method", "any"}}, request_buckets());
  unmatched_ = std::make_unique<route_series>(http_requests_, latency, "unmatched", "any");
}

route_series* metrics::route(size_t index) {
  return index < routes_.size() ? routes_[index].get() : unmatched_.get();
}

void metrics::rate_limited() { rate_limited_.Increment(); }

void metrics::gateway_call(const integrations::call_record& r) {
  // A gateway call takes milliseconds on the network; the label lookups here are not measurable.
  gateway_calls_.Add({{"provider", r.provider}, {"operation", r.operation}}).Increment();
  gateway_latency_.Add({{"provider", r.provider}}, wait_buckets())
    .Observe(std::chrono::duration<double>(r.latency).count());
  static const char* failures[] = {"none", "connect", "timeout", "breaker_open", "protocol"};
  std::string reason = failures[static_cast<int>(r.failure)];
  if (r.failure == integrations::outbound_failure::none) {
    if (r.status >= 200 && r.status < 300)
      return;
    reason = r.status >= 500 ? "http_5xx" : "http_4xx";
  }
  gateway_errors_.Add({{"provider", r.provider}, {"operation", r.operation}, {"reason", reason}}).Increment();
}

void metrics::db_wait(std::chrono::nanoseconds waited, bool timed_out) {
  db_wait_.Observe(std::chrono::duration<double>(waited).count());
  if (timed_out)
    db_timeouts_.Increment();
}

std::string metrics::render(const actor_snapshot& s) const {
  auto families = registry_->Collect();

  auto live = family("commerce_actors_live", "Live entity actors, by kind", MetricType::Gauge);
  auto activations = family("commerce_actor_activations_total", "Entity actors activated, by kind", MetricType::Counter);
  auto passivations =
    family("commerce_actor_passivations_total", "Entity actors passivated when idle, by kind", MetricType::Counter);
  auto restarts = family("commerce_actor_restarts_total",
                         "Entity actors that crashed and were restarted by their supervisor, by kind",
                         MetricType::Counter);
  auto window = family("commerce_supervisor_restarts_in_window",
                       "Restarts within the supervisor's intensity window (SUPERVISOR_MAX_RESTARTS escalates)",
                       MetricType::Gauge);
  auto backlog = family("commerce_supervisor_mailbox_messages",
                        "Messages waiting in a domain supervisor's mailbox (every command of the domain passes it)",
                        MetricType::Gauge);
  for (const auto& [kind, st] : s.supervisors) {
    add_value(backlog, {{"kind", kind}}, static_cast<double>(st.mailbox_size));
    add_value(live, {{"kind", kind}}, static_cast<double>(st.active));
    add_value(activations, {{"kind", kind}}, static_cast<double>(st.activations));
    add_value(passivations, {{"kind", kind}}, static_cast<double>(st.passivations));
    add_value(restarts, {{"kind", kind}}, static_cast<double>(st.crashes));
    add_value(window, {{"kind", kind}}, static_cast<double>(st.restarts_in_window));
  }
  auto running = family("commerce_actor_system_running_actors",
                        "Every running actor of the CAF system (entity, per-request, pools, services)",
                        MetricType::Gauge);
  add_value(running, {}, static_cast<double>(s.running_actors));

  auto breaker_open = family("commerce_gateway_breaker_open",
                             "1 while the circuit breaker of a gateway origin is open", MetricType::Gauge);
  auto breaker_failures = family("commerce_gateway_breaker_consecutive_failures",
                                 "Consecutive failures counted by a gateway origin's breaker", MetricType::Gauge);
  for (const auto& g : s.gateways)
    for (const auto& b : g.breakers) {
      std::vector<ClientMetric::Label> labels{{"kind", g.kind}, {"provider", g.provider}, {"origin", b.origin}};
      add_value(breaker_open, labels, b.open ? 1 : 0);
      add_value(breaker_failures, labels, b.consecutive_failures);
    }

  auto queue = family("commerce_job_queue_jobs", "Jobs in the queue, by state", MetricType::Gauge);
  auto queue_up = family("commerce_job_queue_up", "1 when the job queue answered this scrape", MetricType::Gauge);
  if (s.queue) {
    add_value(queue, {{"state", "waiting"}}, static_cast<double>(s.queue->waiting));
    add_value(queue, {{"state", "running"}}, static_cast<double>(s.queue->running));
    add_value(queue, {{"state", "delayed"}}, static_cast<double>(s.queue->delayed));
    add_value(queue, {{"state", "dead"}}, static_cast<double>(s.queue->dead));
  }
  if (s.queue || s.queue_unavailable)
    add_value(queue_up, {}, s.queue ? 1 : 0);
  auto outcomes =
    family("commerce_jobs_total", "Job runs finished by this node's workers, by outcome", MetricType::Counter);
  if (sources.job_outcomes) {
    auto o = sources.job_outcomes();
    add_value(outcomes, {{"outcome", "succeeded"}}, static_cast<double>(o.succeeded));
    add_value(outcomes, {{"outcome", "retried"}}, static_cast<double>(o.retried));
    add_value(outcomes, {{"outcome", "failed"}}, static_cast<double>(o.failed));
  }

  auto pool = family("commerce_db_pool_connections", "Pooled PostgreSQL connections, by state", MetricType::Gauge);
  if (sources.db_pool_size && sources.db_pool_idle) {
    auto size = sources.db_pool_size(), idle = std::min(sources.db_pool_idle(), size);
    add_value(pool, {{"state", "in_use"}}, static_cast<double>(size - idle));
    add_value(pool, {{"state", "idle"}}, static_cast<double>(idle));
  }

  auto in_flight_f = family("commerce_http_requests_in_flight", "Requests being handled", MetricType::Gauge);
  auto open_f = family("commerce_http_open_connections", "Client connections open", MetricType::Gauge);
  auto refused_f = family("commerce_http_refused_connections_total", "Connections refused over MAX_CONNECTIONS",
                          MetricType::Counter);
  if (in_flight)
    add_value(in_flight_f, {}, static_cast<double>(in_flight()));
  if (open_connections)
    add_value(open_f, {}, static_cast<double>(open_connections()));
  if (refused_connections)
    add_value(refused_f, {}, static_cast<double>(refused_connections()));

  for (auto* f : {&live, &backlog, &activations, &passivations, &restarts, &window, &running, &breaker_open, &breaker_failures,
                  &queue, &queue_up, &outcomes, &pool, &in_flight_f, &open_f, &refused_f})
    if (!f->metric.empty())
      families.push_back(std::move(*f));
  return prometheus::TextSerializer{}.Serialize(families);
}

}  // namespace commerce::http
