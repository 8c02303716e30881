// commerce-server: configuration, the database (embedded or DATABASE_URL), migrations, the
// actor system and the HTTP front door, then a wait for SIGINT/SIGTERM and an orderly stop.
#include "actors/blocking_pool.hpp"
#include "actors/crypto.hpp"
#include "actors/system_probe.hpp"
#include "actors/user_supervisor.hpp"
#include "app/bootstrap.hpp"
#include "config/settings.hpp"
#include "http/front_door.hpp"
#include "persistence/embedded_postgres.hpp"
#include "persistence/migrations.hpp"
#include "persistence/pg_pool.hpp"
#include "persistence/redis_client.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

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

/// Turns a supervisor's escalation into a server stop with a failing exit code.
caf::behavior escalation_watch(caf::event_based_actor* self, caf::actor watched, std::shared_ptr<std::atomic<bool>> failed) {
  self->monitor(watched);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.reason && dm.reason != caf::exit_reason::user_shutdown) {
      spdlog::critical("the user supervisor failed ({}); stopping the server", to_string(dm.reason));
      failed->store(true);
      kill(getpid(), SIGTERM);
    }
    self->quit();
  });
  return {[](caf::unit_t) {}};
}

int run(const config::settings& s) {
  auto stop_signals = block_stop_signals();
  actors::crypto::init();

  std::optional<persistence::embedded_postgres> embedded;
  std::string conninfo = s.database_url;
  if (conninfo.empty()) {
    embedded.emplace(s.data_dir);
    conninfo = embedded->conninfo();
  }
  auto db = pg::pool::open(conninfo, static_cast<size_t>(s.db_pool_size));
  {
    auto c = db->acquire();
    auto applied = persistence::apply_migrations(*c);
    spdlog::info("database schema up to date ({} migrations applied now)", applied);
    app::ensure_admin(*c, s);
  }
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

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", s.actor_threads);
  auto failed = std::make_shared<std::atomic<bool>>(false);
  int exit_code = 0;
  {
    caf::actor_system sys{cfg};
    auto db_workers = actors::spawn_blocking_pool(sys, static_cast<size_t>(s.db_pool_size));
    auto crypto_workers = actors::spawn_blocking_pool(sys, static_cast<size_t>(s.crypto_workers));

    actors::user_domain_deps deps;
    deps.db = db;
    deps.db_workers = db_workers;
    deps.crypto_workers = crypto_workers;
    deps.call_timeout = std::chrono::milliseconds(s.request_timeout_ms);
    deps.idle_timeout = std::chrono::seconds(s.user_idle_seconds);
    deps.max_restarts = s.supervisor_max_restarts;
    deps.restart_window = std::chrono::seconds(s.supervisor_restart_window_seconds);

    auto app = std::make_shared<http::app_context>(sys, s, jwt_secret);
    app->users = actors::spawn_user_supervisor(sys, deps);
    app->probe = actors::spawn_system_probe(sys, actors::probe_deps{db, db_workers, s.redis_url});
    auto watch = sys.spawn(escalation_watch, app->users, failed);

    auto routes = std::make_shared<http::router>();
    http::add_system_routes(*routes);
    http::add_auth_routes(*routes);

    http::front_door door{app, routes};
    door.start();
    spdlog::info("commerce-server listening on {}:{} ({})", s.host, s.port,
                 embedded ? "embedded PostgreSQL in " + s.data_dir : std::string{"DATABASE_URL"});

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    door.stop(std::chrono::seconds(10));
    for (const auto& a : {app->users, app->probe, watch, db_workers, crypto_workers})
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
  } catch (const config::config_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(s.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  try {
    return run(s);
  } catch (const config::config_error& e) {
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    std::cerr << "commerce-server: " << e.what() << "\n";
    return 1;
  }
}
