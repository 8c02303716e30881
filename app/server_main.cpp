// commerce-server: configuration, the database (embedded or DATABASE_URL), migrations, the
// actor system and the HTTP front door, then a wait for SIGINT/SIGTERM and an orderly stop.
#include "actors/admin_desk.hpp"
#include "actors/beat.hpp"
#include "actors/analytics.hpp"
#include "actors/blocking_pool.hpp"
#include "actors/cart.hpp"
#include "actors/catalog.hpp"
#include "actors/crypto.hpp"
#include "actors/gateway_actors.hpp"
#include "actors/job_desk.hpp"
#include "actors/outbox_jobs.hpp"
#include "actors/notification_jobs.hpp"
#include "actors/order_jobs.hpp"
#include "actors/job_workers.hpp"
#include "actors/notifier.hpp"
#include "actors/orders.hpp"
#include "actors/payment_desk.hpp"
#include "actors/periodic_jobs.hpp"
#include "actors/inventory_jobs.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/system_probe.hpp"
#include "actors/user_supervisor.hpp"
#include "app/bootstrap.hpp"
#include "config/logging.hpp"
#include "config/settings.hpp"
#include "http/front_door.hpp"
#include "http/logging.hpp"
#include "http/metrics.hpp"
#include "persistence/embedded_postgres.hpp"
#include "persistence/job_queue.hpp"
#include "integrations/email_gateway.hpp"
#include "integrations/gateway_client.hpp"
#include "integrations/inventory_gateway.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/shipping_gateway.hpp"
#include "integrations/sms_gateway.hpp"
#include "persistence/migrations.hpp"
#include "persistence/payment_repository.hpp"
#include "persistence/pg_pool.hpp"
#include "persistence/redis_client.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <mutex>
#include <csignal>
#include <iostream>
#include <optional>

using namespace commerce;

namespace {

/// Blocks the stop signals in every thread (threads inherit the mask), so the main thread can
/// wait for them with sigwait instead of running code in a signal handler.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Turns a domain supervisor's escalation into a server stop with a failing exit code: the
/// top of the supervision tree, where OTP would restart the node.
caf::behavior escalation_watch(caf::event_based_actor* self, std::vector<caf::actor> watched,
                               std::shared_ptr<std::atomic<bool>> failed) {
  for (const auto& w : watched)
    self->monitor(w);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.reason && dm.reason != caf::exit_reason::user_shutdown) {
      spdlog::critical("a domain supervisor failed ({}); stopping the server", to_string(dm.reason));
      failed->store(true);
      kill(getpid(), SIGTERM);
    }
  });
  return {[](caf::unit_t) {}};
}

int run(const config::settings& s, std::shared_ptr<spdlog::logger> access_logger) {
  auto stop_signals = block_stop_signals();
  actors::crypto::init();

  std::optional<persistence::embedded_postgres> embedded;
  std::string conninfo = s.database_url;
  if (conninfo.empty()) {
    embedded.emplace(s.data_dir);
    conninfo = embedded->conninfo();
  }
  {
    // Start-up work has a connection of its own, without the pool's statement_timeout: a
    // migration may rightly take long, or wait for another node's under the advisory lock.
    pg::connection c{conninfo};
    auto applied = persistence::apply_migrations(c);
    spdlog::info("database schema up to date ({} migrations applied now)", applied);
    app::ensure_admin(c, s);
  }
  auto db = pg::pool::open(conninfo, static_cast<size_t>(s.db_pool_size),
                           std::chrono::milliseconds(s.db_statement_timeout_ms));
  if (!s.redis_url.empty()) {
    try {
      persistence::redis_client probe{persistence::parse_redis_url(s.redis_url)};
      if (!probe.ping())
        spdlog::warn("Redis at REDIS_URL does not answer PING; /health/ will report it");
    } catch (const std::runtime_error& e) {
      spdlog::warn("{}; /health/ will report it", e.what());
    }
  }
  auto jwt_secret = app::load_or_create_jwt_secret(s);

  // Every outbound gateway call is recorded (provider, operation, status, latency; no secrets).
  integrations::client_settings client_settings;
  client_settings.total_timeout = std::chrono::milliseconds(s.gateway_timeout_ms);
  client_settings.connect_timeout = std::min(client_settings.total_timeout, std::chrono::milliseconds(2000));
  client_settings.max_attempts = 2;
  client_settings.breaker_failures = s.gateway_breaker_failures;
  client_settings.breaker_open_for = std::chrono::milliseconds(s.gateway_breaker_open_ms);
  // The route table comes first: the metrics' per-route series are made from it.
  const bool metrics_on = s.metrics_enabled && (!s.metrics_token.empty() || s.app_env != "production");
  if (s.metrics_enabled && !metrics_on)
    spdlog::warn("GET /metrics is not served: APP_ENV=production needs METRICS_TOKEN (or METRICS_ENABLED=false)");
  auto routes = std::make_shared<http::router>();
  http::add_all_routes(*routes, metrics_on);
  std::shared_ptr<http::metrics> metrics;
  if (s.metrics_enabled) {  // recorded even when not served, so METRICS_ENABLED alone decides the cost
    metrics = std::make_shared<http::metrics>(*routes);
    db->observe_waits([metrics](std::chrono::nanoseconds waited, bool timed_out) { metrics->db_wait(waited, timed_out); });
    std::weak_ptr<pg::pool> pool = db;  // the metrics must not keep the pool open
    metrics->sources.db_pool_size = [pool] { auto p = pool.lock(); return p ? p->size() : 0; };
    metrics->sources.db_pool_idle = [pool] { auto p = pool.lock(); return p ? p->idle() : 0; };
  }

  auto gateways = std::make_shared<integrations::gateway_client>(client_settings, [db, metrics](const integrations::call_record& r) {
    if (metrics)
      metrics->gateway_call(r);
    static const char* failures[] = {"none", "connect", "timeout", "breaker_open", "protocol"};
    try {
      auto c = db->acquire(std::chrono::milliseconds(500));
      persistence::record_gateway_call(*c, r.provider, r.operation, r.method, r.path, r.status,
                                       failures[static_cast<int>(r.failure)], r.attempts, r.latency.count());
    } catch (const std::exception& e) {
      spdlog::warn("could not record a {} {} call: {}", r.provider, r.operation, e.what());
    }
  });
  std::shared_ptr<integrations::payment_gateway> payments =
    integrations::make_payment_gateway(s.payment_provider, s.payment_service_url, gateways,
                                       {s.payment_account_id, s.payment_secret, s.payment_webhook_secret});
  std::shared_ptr<integrations::shipping_gateway> shipping =
    integrations::make_shipping_gateway(s.shipping_provider, s.shipping_service_url, gateways,
                                        {s.shipping_account_id, s.shipping_secret, s.shipping_access_token,
                                         s.shipping_origin_postal_code, s.shipping_origin_address,
                                         s.shipping_default_parcel_grams});
  std::shared_ptr<integrations::email_gateway> email =
    integrations::make_email_gateway(s.email_provider, s.email_service_url, gateways,
                                     {s.email_account_id, s.email_secret, s.email_from, s.email_require_starttls});
  std::shared_ptr<integrations::sms_gateway> sms;
  if (!s.sms_provider.empty())
    sms = integrations::make_sms_gateway(s.sms_provider, s.sms_service_url, gateways,
                                         {s.sms_account_id, s.sms_secret, s.sms_sender});
  std::shared_ptr<integrations::inventory_gateway> inventory_feed;  // none: the sync reconciles the ledger
  if (!s.inventory_provider.empty())
    inventory_feed = integrations::make_inventory_gateway(s.inventory_provider, s.inventory_service_url, gateways);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", s.actor_threads);
  auto failed = std::make_shared<std::atomic<bool>>(false);
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    auto db_workers = actors::spawn_blocking_pool(sys, static_cast<size_t>(s.db_pool_size), "db");
    auto crypto_workers = actors::spawn_blocking_pool(sys, static_cast<size_t>(s.crypto_workers), "crypto");
    // One integration actor per gateway kind, each with GATEWAY_WORKERS threads of its own.
    auto integration_actors =
      actors::spawn_gateway_actors(sys, {payments, shipping, email, sms, inventory_feed}, static_cast<size_t>(s.gateway_workers), gateways);
    // A whole gateway job: a create plus a status check, each within GATEWAY_TIMEOUT_MS.
    auto gateway_job_timeout = std::chrono::milliseconds(4 * s.gateway_timeout_ms + 1000);

    auto call_timeout = std::chrono::milliseconds(s.request_timeout_ms);
    auto idle = std::chrono::seconds(s.user_idle_seconds);
    actors::restart_policy restarts{s.supervisor_max_restarts, std::chrono::seconds(s.supervisor_restart_window_seconds)};
    actors::db_access db_access{db, db_workers, call_timeout};
    auto cache_ttl = std::chrono::milliseconds(s.cache_ttl_ms);

    actors::user_domain_deps user_deps;
    user_deps.db = db;
    user_deps.db_workers = db_workers;
    user_deps.crypto_workers = crypto_workers;
    user_deps.crypto_gate = std::make_shared<actors::job_gate>(static_cast<size_t>(s.crypto_queue_limit));
    user_deps.cache_ttl = cache_ttl;
    user_deps.call_timeout = call_timeout;
    user_deps.idle_timeout = idle;
    user_deps.max_restarts = restarts.max_restarts;
    user_deps.restart_window = restarts.window;

    auto app = std::make_shared<http::app_context>(sys, s, jwt_secret);
    app->catalog = actors::spawn_catalog_supervisor(sys, actors::catalog_deps{db_access, idle, restarts, cache_ttl, s.listing_cache_bytes});
    app->carts = actors::spawn_cart_supervisor(sys, actors::cart_deps{db_access, idle, restarts});
    // The job desk first: the order supervisor and the payment desk queue jobs through it.
    persistence::job_queue_settings queue_settings;
    queue_settings.redis_url = s.redis_url;
    queue_settings.db = db;
    queue_settings.stream = s.job_stream;
    queue_settings.visibility_timeout = std::chrono::milliseconds(s.job_visibility_timeout_ms);
    auto job_queue = persistence::make_job_queue_factory(queue_settings);
    app->jobs = actors::spawn_job_desk(sys, actors::job_desk_deps{db_access, job_queue, s.redis_url});
    // Registration queues the e-mail outbox's delivery through the desk.
    user_deps.jobs = app->jobs;
    app->users = actors::spawn_user_supervisor(sys, user_deps);
    auto notifier = actors::spawn_notifier(sys, actors::notifier_deps{db_access, integration_actors, gateway_job_timeout});
    app->orders = actors::spawn_order_supervisor(
      sys, actors::order_deps{db_access, idle, restarts, cache_ttl, app->catalog,
                              std::chrono::seconds(s.reservation_ttl_seconds),
                              std::chrono::seconds(0),  // the beat raises the sweep (reservations.release)
                              integration_actors, gateway_job_timeout, notifier, app->jobs});
    app->payment_desk = actors::spawn_payment_desk(
      sys, actors::payment_desk_deps{db_access, integration_actors, gateway_job_timeout, app->orders, app->jobs});
    app->gateways = integration_actors.all();
    app->analytics = actors::spawn_analytics_writer(
      sys, actors::analytics_deps{db_access, std::chrono::milliseconds(s.analytics_flush_ms),
                                  static_cast<size_t>(s.analytics_batch_events), static_cast<size_t>(s.analytics_buffer_events)});
    // Background jobs: every role has the job desk (handlers and beat queue jobs too); workers
    // run on role worker or all, the HTTP front door on api or all, beat on beat or all.
    const bool runs_http = s.role == "api" || s.role == "all";
    const bool runs_workers = s.role == "worker" || s.role == "all";
    auto handlers = std::make_shared<actors::job_registry>();
    actors::add_core_jobs(*handlers);
    // A step of order.process waits for one order-actor flow: a charge settles, creates and checks.
    actors::add_order_jobs(*handlers, {app->orders, db, call_timeout + 3 * gateway_job_timeout});
    actors::add_notification_jobs(*handlers, {db, integration_actors, gateway_job_timeout});
    actors::outbox_job_deps outbox;
    outbox.db = db;
    outbox.gateways = integration_actors;
    outbox.gateway_timeout = gateway_job_timeout;
    actors::add_outbox_jobs(*handlers, outbox);
    actors::periodic_job_deps periodic;
    periodic.db = db;
    periodic.orders = app->orders;
    periodic.gateways = integration_actors;
    periodic.call_timeout = gateway_job_timeout;
    periodic.cart_reminder_after = std::chrono::seconds(s.cart_reminder_after_seconds);
    actors::add_periodic_jobs(*handlers, periodic);
    actors::add_inventory_jobs(*handlers, {app->catalog, integration_actors.inventory, 3 * call_timeout, gateway_job_timeout});
    actors::job_worker_settings worker_settings;
    worker_settings.concurrency = s.worker_concurrency;
    worker_settings.max_attempts = s.job_max_attempts;
    worker_settings.retry_base = std::chrono::milliseconds(s.job_retry_base_ms);
    worker_settings.retry_max = std::chrono::milliseconds(s.job_retry_max_ms);
    worker_settings.visibility_timeout = std::chrono::milliseconds(s.job_visibility_timeout_ms);
    worker_settings.task_retention = std::chrono::hours(s.task_retention_hours);
    actors::job_workers workers{sys, actors::job_worker_deps{db, job_queue, handlers, s.redis_url}, worker_settings};
    actors::admin_desk_deps admin_deps;
    admin_deps.db = db_access;
    admin_deps.queue = job_queue;
    admin_deps.redis_url = s.redis_url;
    // The desk may still run while `workers` goes out of scope: it reads the stats through a
    // pointer cleared (under the lock) once the workers have stopped.
    struct workers_view {
      std::mutex mtx;
      actors::job_workers* workers = nullptr;
    };
    auto admin_workers = std::make_shared<workers_view>();
    if (runs_workers) {
      admin_workers->workers = &workers;
      admin_deps.worker_stats = [admin_workers] {
        std::lock_guard<std::mutex> lock{admin_workers->mtx};
        return admin_workers->workers ? admin_workers->workers->stats() : actors::job_worker_stats{};
      };
    }
    app->admin_desk = actors::spawn_admin_desk(sys, admin_deps);

    actors::probe_deps probe;
    probe.db = db;
    probe.db_workers = db_workers;
    probe.redis_url = s.redis_url;
    probe.jobs_runnable = actors::jobs_runnable_check(job_queue, runs_workers);
    app->probe = actors::spawn_system_probe(sys, probe);
    actors::rate_limiter_deps limiter_deps;
    limiter_deps.redis_url = s.redis_url;
    app->limiter = actors::spawn_rate_limiter(sys, limiter_deps);
    std::vector<caf::actor> supervisors{caf::actor_cast<caf::actor>(app->users), caf::actor_cast<caf::actor>(app->catalog),
                                        caf::actor_cast<caf::actor>(app->carts), caf::actor_cast<caf::actor>(app->orders)};
    auto watch = sys.spawn(escalation_watch, supervisors, failed);

    if (metrics) {  // read only by /metrics scrapes, which end with the front door (before these go)
      metrics->sources.job_queue = job_queue;
      metrics->sources.blocking_pool = db_workers;
      if (runs_workers)
        metrics->sources.job_outcomes = [&workers] { return workers.stats(); };
      metrics->in_flight = [a = app.get()] { return a->in_flight.load(); };
      metrics->open_connections = [a = app.get()] { return a->open_connections.load(); };
      metrics->refused_connections = [a = app.get()] { return a->refused_connections.load(); };
    }
    app->metrics = metrics;
    app->access_logger = access_logger;
    app->logs = s.log_format == "json" ? http::log_format::json : http::log_format::text;

    http::front_door door{app, routes};
    if (runs_http) {
      door.start();
      spdlog::info("commerce-server listening on {}:{} ({})", s.host, s.port,
                   embedded ? "embedded PostgreSQL in " + s.data_dir : std::string{"DATABASE_URL"});
    }
    if (runs_workers)
      workers.start();
    caf::actor beat;
    if (s.role == "beat" || s.role == "all") {
      actors::beat_deps beat_deps;
      beat_deps.database = conninfo;
      beat_deps.redis_url = s.redis_url;
      beat_deps.jobs = app->jobs;
      beat_deps.schedule = actors::beat_schedule_of(s.beat_schedule, s.reservation_sweep_seconds);
      beat_deps.lock_ttl = std::chrono::milliseconds(s.beat_lock_ttl_ms);
      beat = actors::spawn_beat(sys, beat_deps);
      caf::anon_send(app->admin_desk, actors::beat_atom::value, beat);
    }
    spdlog::info("commerce-server running as role {}", s.role);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (runs_http)
      door.stop(std::chrono::seconds(10));
    // Every event answered 200 is in the writer: write them before the db pool stops.
    actors::stop_analytics_writer(sys, app->analytics, std::chrono::milliseconds(s.analytics_shutdown_ms));
    if (beat)
      caf::anon_send_exit(beat, caf::exit_reason::user_shutdown);  // releases the leader lock
    workers.stop();  // each running job finishes; the rest stays queued
    {
      std::lock_guard<std::mutex> lock{admin_workers->mtx};
      admin_workers->workers = nullptr;
    }
    std::vector<caf::actor> everyone{app->probe, app->limiter, app->admin_desk, watch, notifier, db_workers, crypto_workers,
                                     caf::actor_cast<caf::actor>(app->jobs)};
    for (const auto& typed : {caf::actor_cast<caf::actor>(app->users), caf::actor_cast<caf::actor>(app->catalog),
                              caf::actor_cast<caf::actor>(app->carts), caf::actor_cast<caf::actor>(app->orders),
                              caf::actor_cast<caf::actor>(app->payment_desk), caf::actor_cast<caf::actor>(app->analytics)})
      everyone.push_back(typed);
    for (const auto& a : integration_actors.all())
      everyone.push_back(a);
    for (const auto& a : everyone)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    app.reset();
    exit_code = failed->load() ? 1 : 0;
  }  // ~actor_system waits for every actor
  db.reset();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  config::settings s;
  try {
    auto cli = config::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (cli.show_help) {
      std::cout << config::help_text();
      return 0;
    }
    s = config::load(cli, config::process_environment());
    if (!s.redis_url.empty())
      persistence::parse_redis_url(s.redis_url);  // a malformed REDIS_URL stops the start here
    try {  // a job type the beat cannot raise stops the start here (the syntax is checked by load)
      actors::beat_schedule_of(s.beat_schedule, s.reservation_sweep_seconds);
    } catch (const std::invalid_argument& e) {
      throw config::config_error(std::string{"BEAT_SCHEDULE: "} + e.what());
    }
  } catch (const config::config_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {  // REDIS_URL
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  }
  std::shared_ptr<spdlog::logger> access_logger;
  try {  // the console at LOG_LEVEL, and LOG_FILE at LOG_FILE_LEVEL (config/logging.hpp), in LOG_FORMAT
    access_logger = http::install_logging(s.log_format == "json" ? http::log_format::json : http::log_format::text,
                                          config::make_logger(s));
    spdlog::flush_every(std::chrono::seconds(1));
  } catch (const config::config_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  }
  try {
    return run(s, access_logger);
  } catch (const config::config_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  } catch (const persistence::data_dir_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 1;
  }
}
