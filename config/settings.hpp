// commerce-server configuration: environment variables, optionally read from an env-file
// (--config FILE; the real environment wins), then command-line flags. Every setting, its
// default and its meaning is listed once, in settings.cpp, which also renders --help.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace commerce::config {

struct settings {
  /// development, test or production; production refuses to start without real gateways and secrets.
  std::string app_env = "development";
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  std::string data_dir = "var";
  std::string database_url;  ///< empty: the embedded PostgreSQL under data_dir
  std::string redis_url;     ///< empty: no Redis (the health check omits it)
  std::string jwt_secret;    ///< empty: generated once and kept in data_dir
  int64_t access_token_ttl_seconds = 3600;
  int64_t refresh_token_ttl_seconds = 604800;
  std::string admin_email;
  std::string admin_password;
  int http_threads = 2;
  int actor_threads = 2;
  int db_pool_size = 8;
  int64_t db_statement_timeout_ms = 5000;  ///< every pooled connection's statement_timeout
  int crypto_workers = 2;
  int crypto_queue_limit = 64;  ///< password jobs queued or running; more get 503 at once
  int auth_address_rate_per_minute = 120;  ///< auth requests per client address (token bucket)
  int auth_address_burst = 60;
  int auth_account_rate_per_minute = 10;  ///< auth requests per account (e-mail or user id)
  int auth_account_burst = 10;
  int64_t max_body_bytes = 1 << 20;
  int64_t max_request_line_bytes = 8 << 10;  ///< longer request lines get 414
  int64_t max_header_bytes = 16 << 10;       ///< more header bytes get 431
  int64_t header_timeout_ms = 10000;         ///< a client slower to send its request is cut off
  int max_connections = 1024;                ///< open client connections; more are refused
  int64_t request_timeout_ms = 15000;
  int64_t user_idle_seconds = 300;
  int64_t reservation_ttl_seconds = 1800;
  int64_t reservation_sweep_seconds = 30;  ///< the beat's default interval of reservations.release
  int64_t cache_ttl_ms = 1000;
  int64_t listing_cache_bytes = 32 << 20;  ///< product listing pages (and as much for match lists) kept in memory, at most
  // Analytics: the writer batching POST /api/analytics/track/ events into PostgreSQL.
  int64_t analytics_flush_ms = 200;         ///< a batch is written at least this often
  int64_t analytics_batch_events = 500;     ///< rows per INSERT at most; a full batch is written at once
  int64_t analytics_buffer_events = 20000;  ///< events waiting or being written; more get 503
  int64_t analytics_shutdown_ms = 10000;    ///< how long a clean stop may take to write what is left
  std::string payment_provider = "generic";
  std::string payment_service_url = "http://localhost:1080";
  std::string payment_account_id;  ///< YooKassa shopId, CloudPayments PublicId (not secret)
  std::string payment_secret;      ///< Stripe secret key, YooKassa/CloudPayments API secret
  std::string payment_webhook_secret;  ///< Stripe's webhook signing secret (whsec_...)
  std::string payment_webhook_allowed_ips;  ///< CIDR list; empty: webhooks from anywhere (signatures decide)
  std::string trusted_proxies;              ///< CIDR list of reverse proxies whose X-Forwarded-For is believed
  std::string shipping_provider = "generic";
  std::string shipping_service_url = "http://localhost:1081";
  std::string shipping_account_id;    ///< CDEK client_id, Russian Post login
  std::string shipping_secret;        ///< CDEK client_secret, Boxberry token, Russian Post password
  std::string shipping_access_token;  ///< Russian Post application token
  std::string shipping_origin_postal_code;
  std::string shipping_origin_address;
  int64_t shipping_default_parcel_grams = 1000;
  std::string email_provider = "generic";
  std::string email_service_url = "http://localhost:1082";
  std::string email_account_id;  ///< Mailgun domain, SMTP user name
  std::string email_secret;      ///< SendGrid/Mailgun API key, SMTP password
  std::string email_from = "shop@localhost";
  bool email_require_starttls = false;
  std::string sms_provider;  ///< empty: no SMS
  std::string sms_service_url;
  std::string sms_account_id;
  std::string sms_secret;
  std::string sms_sender;
  std::string inventory_provider;     ///< empty: no warehouse feed (the sync reconciles the ledger)
  std::string inventory_service_url;  ///< the feed's base URL
  int64_t gateway_timeout_ms = 5000;
  int gateway_workers = 4;
  int gateway_breaker_failures = 5;
  int64_t gateway_breaker_open_ms = 10000;
  int supervisor_max_restarts = 10;
  int64_t supervisor_restart_window_seconds = 60;
  // Background jobs (issue 10).
  std::string role = "all";  ///< api (HTTP + job desk), worker (job workers), beat (scheduler) or all
  int worker_concurrency = 2;  ///< job worker threads of a worker (or all) node
  int job_max_attempts = 5;    ///< runs of a job before FAILURE and the dead letter
  int64_t job_visibility_timeout_ms = 30000;  ///< a job held longer by a silent worker is taken again
  int64_t job_retry_base_ms = 1000;  ///< backoff of the first retry (full jitter, doubling)
  int64_t job_retry_max_ms = 60000;  ///< longest backoff
  std::string job_stream = "jobs";   ///< Redis keys of the queue: <stream>, <stream>:delayed, <stream>:dead
  int64_t task_retention_hours = 168;  ///< finished tasks are deleted after this (at least 24)
  // The beat (actors/beat.hpp): periodic jobs, its leader lock, and what its jobs need.
  std::string beat_schedule;               ///< BEAT_SCHEDULE (domain/beat_schedule.hpp); empty: the default
  int64_t beat_lock_ttl_ms = 10000;        ///< the leader lock's expiry; renewed at a third of it
  int64_t cart_reminder_after_seconds = 86400;  ///< a cart untouched this long gets one reminder
  std::string log_level = "info";
  bool access_log = true;
  // Observability (issue 12): metrics and the log format.
  std::string log_format = "text";  ///< text (people at a terminal) or json (one object per line)
  bool metrics_enabled = true;      ///< GET /metrics; false: not routed, nothing recorded per request
  std::string metrics_token;        ///< when set, /metrics wants `Authorization: Bearer <it>`
  // A log file besides the console (config/logging.hpp), each with its own level: the integration
  // profile keeps DEBUG in the file and INFO on the console, as the document's LOGGING does.
  std::string log_file;                 ///< LOG_FILE; empty: console only
  std::string log_file_level = "debug";  ///< LOG_FILE_LEVEL
};

/// Wrong configuration: the message is one line saying which setting and why.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the command line asked for besides settings.
struct command_line {
  bool show_help = false;
  std::optional<std::string> config_file;
  std::map<std::string, std::string> overrides;  ///< setting name -> value, from --host etc.
};

command_line parse_command_line(const std::vector<std::string>& args);

/// Reads KEY=VALUE lines (blank lines and # comments skipped, optional quotes, optional `export`).
std::map<std::string, std::string> read_env_file(const std::string& path);

/// Builds settings from: defaults < env-file < environment < command line. `environment`
/// maps variable names to values (the caller passes the process environment).
settings load(const command_line& cli, const std::map<std::string, std::string>& environment);

/// The process environment as a map.
std::map<std::string, std::string> process_environment();

std::string help_text();

}  // namespace commerce::config
