#include "config/settings.hpp"

#include "common/url.hpp"
#include "config/ip_ranges.hpp"
#include "domain/beat_schedule.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

extern char** environ;

namespace commerce::config {

namespace {

/// One row per setting: the environment name, the flag (if any), help, and how to apply it.
struct setting_spec {
  const char* env;
  const char* flag;
  const char* help;
  std::function<void(settings&, const std::string&)> apply;
  std::function<std::string(const settings&)> show;
};

int64_t to_int(const char* name, const std::string& value, int64_t min, int64_t max) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size())
    throw config_error(std::string{name} + " must be an integer, got '" + value + "'");
  if (n < min || n > max)
    throw config_error(std::string{name} + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + value);
  return n;
}

bool to_bool(const char* name, const std::string& value) {
  if (value == "1" || value == "true" || value == "yes" || value == "on")
    return true;
  if (value == "0" || value == "false" || value == "no" || value == "off")
    return false;
  throw config_error(std::string{name} + " must be true or false, got '" + value + "'");
}

template <class T>
setting_spec integer(const char* env, const char* flag, const char* help, T settings::*field, int64_t min,
                     int64_t max) {
  return {env, flag, help,
          [=](settings& s, const std::string& v) { s.*field = static_cast<T>(to_int(env, v, min, max)); },
          [=](const settings& s) { return std::to_string(s.*field); }};
}

setting_spec log_level_setting(const char* env, const char* flag, const char* help, std::string settings::*field) {
  return {env, flag, help,
          [=](settings& s, const std::string& v) {
            static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
            if (std::find(levels.begin(), levels.end(), v) == levels.end())
              throw config_error(std::string{env} + " must be one of trace, debug, info, warn, error, off; got '" + v + "'");
            s.*field = v;
          },
          [=](const settings& s) { return s.*field; }};
}

setting_spec text(const char* env, const char* flag, const char* help, std::string settings::*field,
                  bool secret = false) {
  return {env, flag, help, [=](settings& s, const std::string& v) { s.*field = v; },
          [=](const settings& s) { return secret ? std::string{"(unset)"} : (s.*field).empty() ? "(unset)" : s.*field; }};
}

const std::vector<setting_spec>& specs() {
  static const std::vector<setting_spec> all = {
    {"APP_ENV", nullptr,
     "development, test or production; production needs every gateway URL, credential and secret set",
     [](settings& s, const std::string& v) {
       if (v != "development" && v != "test" && v != "production")
         throw config_error("APP_ENV must be development, test or production; got '" + v + "'");
       s.app_env = v;
     },
     [](const settings& s) { return s.app_env; }},
    text("HOST", "--host", "address to listen on", &settings::host),
    integer("PORT", "--port", "TCP port to listen on", &settings::port, 1, 65535),
    text("DATA_DIR", "--data-dir", "directory of the embedded PostgreSQL cluster and generated secrets",
         &settings::data_dir),
    text("DATABASE_URL", nullptr, "PostgreSQL connection URL; unset = embedded cluster under DATA_DIR",
         &settings::database_url),
    text("REDIS_URL", nullptr, "redis://[[user]:password@]host[:port][/db] or unix:///path; unset = no Redis", &settings::redis_url),
    text("JWT_SECRET", nullptr, "HS256 signing secret (>= 32 bytes); unset = generated once into DATA_DIR",
         &settings::jwt_secret, true),
    integer("ACCESS_TOKEN_TTL_SECONDS", nullptr, "access token lifetime", &settings::access_token_ttl_seconds, 30,
            86400),
    integer("REFRESH_TOKEN_TTL_SECONDS", nullptr, "refresh token lifetime", &settings::refresh_token_ttl_seconds, 60,
            31536000),
    text("ADMIN_EMAIL", nullptr, "staff user ensured at start-up (with ADMIN_PASSWORD)", &settings::admin_email),
    text("ADMIN_PASSWORD", nullptr, "password of ADMIN_EMAIL", &settings::admin_password, true),
    integer("HTTP_THREADS", nullptr, "Pistache I/O threads", &settings::http_threads, 1, 64),
    integer("ACTOR_THREADS", nullptr, "CAF scheduler threads", &settings::actor_threads, 1, 64),
    integer("DB_POOL_SIZE", nullptr, "PostgreSQL connections (= blocking database workers)",
            &settings::db_pool_size, 1, 256),
    integer("DB_STATEMENT_TIMEOUT_MS", nullptr, "statement_timeout of every pooled PostgreSQL connection (0 = none)",
            &settings::db_statement_timeout_ms, 0, 3600000),
    integer("CRYPTO_WORKERS", nullptr, "threads hashing passwords (Argon2id, 64 MiB each)",
            &settings::crypto_workers, 1, 32),
    integer("CRYPTO_QUEUE_LIMIT", nullptr,
            "password hashing jobs queued or running at once; beyond it login/register get 503 with Retry-After",
            &settings::crypto_queue_limit, 1, 100000),
    integer("AUTH_ADDRESS_RATE_PER_MINUTE", nullptr,
            "login, register, refresh, verify-email, change-password per client address: refill per minute",
            &settings::auth_address_rate_per_minute, 1, 1000000),
    integer("AUTH_ADDRESS_BURST", nullptr, "the per-address bucket's size", &settings::auth_address_burst, 1, 1000000),
    integer("AUTH_ACCOUNT_RATE_PER_MINUTE", nullptr,
            "the same requests per account (e-mail, or user id for refresh and change-password): refill per minute",
            &settings::auth_account_rate_per_minute, 1, 1000000),
    integer("AUTH_ACCOUNT_BURST", nullptr, "the per-account bucket's size", &settings::auth_account_burst, 1, 1000000),
    integer("MAX_BODY_BYTES", nullptr, "largest accepted request body", &settings::max_body_bytes, 1024,
            8 << 20),
    integer("MAX_REQUEST_LINE_BYTES", nullptr, "longest accepted request line (longer: 414)",
            &settings::max_request_line_bytes, 256, 1 << 20),
    integer("MAX_HEADER_BYTES", nullptr, "most header bytes accepted in one request (more: 431)",
            &settings::max_header_bytes, 1024, 1 << 20),
    integer("HEADER_TIMEOUT_MS", nullptr, "how long a client may take to send a request before it is cut off (408)",
            &settings::header_timeout_ms, 500, 600000),
    integer("MAX_CONNECTIONS", nullptr, "open client connections; more are answered 503 and closed",
            &settings::max_connections, 1, 1000000),
    integer("REQUEST_TIMEOUT_MS", nullptr, "how long a request may wait for the actors", &settings::request_timeout_ms,
            100, 600000),
    integer("USER_IDLE_SECONDS", nullptr, "idle time after which a user actor is passivated",
            &settings::user_idle_seconds, 1, 86400),
    integer("RESERVATION_TTL", nullptr, "seconds an unpaid pending order keeps its stock reserved",
            &settings::reservation_ttl_seconds, 1, 30 * 86400),
    integer("RESERVATION_SWEEP_SECONDS", nullptr,
            "how often the beat releases expired reservations (reservations.release in the default BEAT_SCHEDULE)",
            &settings::reservation_sweep_seconds, 1, 86400),
    integer("CACHE_TTL_MS", nullptr, "how stale a cached product or order read may be (other nodes' writes)",
            &settings::cache_ttl_ms, 0, 60000),
    integer("LISTING_CACHE_BYTES", nullptr, "memory for cached product listing pages, and as much for match lists (0 = no cache)",
            &settings::listing_cache_bytes, 0, int64_t{1} << 32),
    integer("ANALYTICS_FLUSH_MS", nullptr, "analytics events are written to PostgreSQL at least this often (ms)",
            &settings::analytics_flush_ms, 10, 600000),
    integer("ANALYTICS_BATCH_EVENTS", nullptr, "analytics events per INSERT at most; a full batch is written at once",
            &settings::analytics_batch_events, 1, 10000),
    integer("ANALYTICS_BUFFER_EVENTS", nullptr,
            "analytics events held in memory (waiting or being written); beyond it track gets 503 with Retry-After",
            &settings::analytics_buffer_events, 1, 10000000),
    integer("ANALYTICS_SHUTDOWN_MS", nullptr, "how long a clean stop may spend writing the analytics events it holds",
            &settings::analytics_shutdown_ms, 0, 600000),
    text("PAYMENT_PROVIDER", nullptr, "payment provider: generic (the document's mock API), yookassa, stripe, cloudpayments",
         &settings::payment_provider),
    text("PAYMENT_SERVICE_URL", nullptr, "payment gateway base URL (falls back to PAYMENT_MOCK_URL)",
         &settings::payment_service_url),
    text("PAYMENT_ACCOUNT_ID", nullptr, "payment account id (YooKassa shopId, CloudPayments PublicId)",
         &settings::payment_account_id),
    text("PAYMENT_SECRET", nullptr, "payment API secret (Stripe secret key, YooKassa secret key)",
         &settings::payment_secret, true),
    text("PAYMENT_WEBHOOK_SECRET", nullptr, "webhook signing secret (Stripe whsec_...); unset = webhooks refused",
         &settings::payment_webhook_secret, true),
    text("PAYMENT_WEBHOOK_ALLOWED_IPS", nullptr,
         "addresses or CIDR ranges payment webhooks may come from (e.g. YooKassa's published ranges); unset = any",
         &settings::payment_webhook_allowed_ips),
    text("TRUSTED_PROXIES", nullptr,
         "addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client; unset = none",
         &settings::trusted_proxies),
    text("SHIPPING_PROVIDER", nullptr, "carrier: generic (the document's mock API), cdek, boxberry, russian_post",
         &settings::shipping_provider),
    text("SHIPPING_SERVICE_URL", nullptr,
         "carrier base URL (falls back to SHIPPING_MOCK_URL; e.g. https://api.cdek.ru/v2, "
         "https://api.boxberry.ru/json.php, https://otpravka-api.pochta.ru)",
         &settings::shipping_service_url),
    text("SHIPPING_ACCOUNT_ID", nullptr, "CDEK client_id or Russian Post login", &settings::shipping_account_id),
    text("SHIPPING_SECRET", nullptr, "CDEK client_secret, Boxberry API token or Russian Post password",
         &settings::shipping_secret, true),
    text("SHIPPING_ACCESS_TOKEN", nullptr, "Russian Post application token", &settings::shipping_access_token, true),
    text("SHIPPING_ORIGIN_POSTAL_CODE", nullptr, "postal code parcels leave from (CDEK, Russian Post)",
         &settings::shipping_origin_postal_code),
    text("SHIPPING_ORIGIN_ADDRESS", nullptr, "street address of the CDEK pick-up", &settings::shipping_origin_address),
    integer("SHIPPING_DEFAULT_PARCEL_GRAMS", nullptr, "weight booked when a shipment names no packages",
            &settings::shipping_default_parcel_grams, 1, 1000000),
    text("EMAIL_PROVIDER", nullptr, "e-mail provider: generic (the document's mock API), sendgrid, mailgun, smtp",
         &settings::email_provider),
    text("EMAIL_SERVICE_URL", nullptr, "e-mail gateway base URL (falls back to EMAIL_MOCK_URL)",
         &settings::email_service_url),
    text("SMS_PROVIDER", nullptr, "SMS provider: twilio or sms_ru; unset = no SMS", &settings::sms_provider),
    text("SMS_SERVICE_URL", nullptr, "SMS gateway base URL (e.g. https://api.twilio.com/2010-04-01, https://sms.ru)",
         &settings::sms_service_url),
    text("SMS_ACCOUNT_ID", nullptr, "Twilio AccountSid", &settings::sms_account_id),
    text("SMS_SECRET", nullptr, "Twilio auth token or SMS.ru api_id", &settings::sms_secret, true),
    text("SMS_SENDER", nullptr, "Twilio From number or SMS.ru sender name", &settings::sms_sender),
    text("INVENTORY_PROVIDER", nullptr,
         "warehouse stock feed: generic (GET {url}/api/v1/inventory?page=N); unset = no feed, unless "
         "INVENTORY_SERVICE_URL is set (then generic)",
         &settings::inventory_provider),
    text("INVENTORY_SERVICE_URL", nullptr, "warehouse feed base URL; the inventory sync pulls it when set",
         &settings::inventory_service_url),
    text("EMAIL_ACCOUNT_ID", nullptr, "Mailgun sending domain, or the SMTP user name", &settings::email_account_id),
    text("EMAIL_SECRET", nullptr, "SendGrid/Mailgun API key, or the SMTP password", &settings::email_secret, true),
    text("EMAIL_FROM", nullptr, "sender address of our e-mails", &settings::email_from),
    {"EMAIL_REQUIRE_STARTTLS", nullptr, "SMTP: refuse to send unless the server upgrades to TLS (true/false)",
     [](settings& s, const std::string& v) { s.email_require_starttls = to_bool("EMAIL_REQUIRE_STARTTLS", v); },
     [](const settings& s) { return std::string{s.email_require_starttls ? "true" : "false"}; }},
    integer("GATEWAY_TIMEOUT_MS", nullptr, "connect + read limit of one gateway call", &settings::gateway_timeout_ms,
            100, 120000),
    integer("GATEWAY_WORKERS", nullptr, "threads per gateway kind (payment, shipping, e-mail, SMS) making gateway calls",
            &settings::gateway_workers, 1, 64),
    integer("GATEWAY_BREAKER_FAILURES", nullptr, "consecutive failed calls to one provider that open its circuit breaker",
            &settings::gateway_breaker_failures, 1, 1000),
    integer("GATEWAY_BREAKER_OPEN_MS", nullptr, "how long an open breaker refuses calls before one trial call",
            &settings::gateway_breaker_open_ms, 100, 3600000),
    integer("SUPERVISOR_MAX_RESTARTS", nullptr, "crashes tolerated per window before a supervisor escalates",
            &settings::supervisor_max_restarts, 1, 100000),
    integer("SUPERVISOR_RESTART_WINDOW_SECONDS", nullptr, "the restart-intensity window",
            &settings::supervisor_restart_window_seconds, 1, 86400),
    {"ROLE", "--role", "what this process runs: api (HTTP and the job desk), worker (job workers), beat (the scheduler) or all",
     [](settings& s, const std::string& v) {
       if (v != "api" && v != "worker" && v != "beat" && v != "all")
         throw config_error("ROLE must be api, worker, beat or all; got '" + v + "'");
       s.role = v;
     },
     [](const settings& s) { return s.role; }},
    integer("WORKER_CONCURRENCY", "--concurrency", "job worker threads (roles worker and all)",
            &settings::worker_concurrency, 1, 256),
    integer("JOB_MAX_ATTEMPTS", nullptr, "runs of a job before it fails for good (FAILURE, dead letter)",
            &settings::job_max_attempts, 1, 100),
    integer("JOB_VISIBILITY_TIMEOUT_MS", nullptr,
            "a job held this long by a worker that stopped renewing its claim (it died) is run by another",
            &settings::job_visibility_timeout_ms, 100, 86400000),
    integer("JOB_RETRY_BASE_MS", nullptr, "backoff before the first retry; doubles per attempt, with full jitter",
            &settings::job_retry_base_ms, 0, 3600000),
    integer("JOB_RETRY_MAX_MS", nullptr, "longest backoff between two attempts", &settings::job_retry_max_ms, 0,
            86400000),
    {"JOB_STREAM", nullptr, "Redis key of the job stream (also <name>:delayed, <name>:dead, <name>:consumers)",
     [](settings& s, const std::string& v) {
       if (v.empty() || v.size() > 200 || v.find_first_of(" \t\r\n") != std::string::npos)
         throw config_error("JOB_STREAM must be 1 to 200 characters without white space; got '" + v + "'");
       s.job_stream = v;
     },
     [](const settings& s) { return s.job_stream; }},
    integer("TASK_RETENTION_HOURS", nullptr, "finished tasks are deleted after this many hours",
            &settings::task_retention_hours, 24, 24 * 3650),
    text("BEAT_SCHEDULE", nullptr,
         "periodic jobs, 'name=job_type@every:30s; name=job_type@cron:*/5 * * * *' (UTC); unset = every periodic job "
         "at its default interval",
         &settings::beat_schedule),
    integer("BEAT_LOCK_TTL_MS", nullptr, "the beat leader's lock expiry: another beat takes over within it",
            &settings::beat_lock_ttl_ms, 1000, 600000),
    integer("CART_REMINDER_AFTER_SECONDS", nullptr, "a cart untouched this long gets one abandoned-cart e-mail",
            &settings::cart_reminder_after_seconds, 60, 365 * 86400),
    log_level_setting("LOG_LEVEL", "--log-level", "console log level: trace, debug, info, warn, error, off",
                      &settings::log_level),
    text("LOG_FILE", nullptr, "also log to this file (appended; its directory is created); unset = console only",
         &settings::log_file),
    log_level_setting("LOG_FILE_LEVEL", nullptr, "the log file's level: trace, debug, info, warn, error, off",
                      &settings::log_file_level),
    {"ACCESS_LOG", nullptr, "one log line per request (true/false)",
     [](settings& s, const std::string& v) { s.access_log = to_bool("ACCESS_LOG", v); },
     [](const settings& s) { return std::string{s.access_log ? "true" : "false"}; }},
    // Observability (issue 12).
    {"LOG_FORMAT", nullptr, "text (for a terminal) or json (one object per line: time, level, request id, route, ...)",
     [](settings& s, const std::string& v) {
       if (v != "text" && v != "json")
         throw config_error("LOG_FORMAT must be text or json; got '" + v + "'");
       s.log_format = v;
     },
     [](const settings& s) { return s.log_format; }},
    {"METRICS_ENABLED", nullptr, "serve GET /metrics (Prometheus text) and record per-request series (true/false)",
     [](settings& s, const std::string& v) { s.metrics_enabled = to_bool("METRICS_ENABLED", v); },
     [](const settings& s) { return std::string{s.metrics_enabled ? "true" : "false"}; }},
    {"METRICS_TOKEN", nullptr,
     "bearer token /metrics requires; unset = open (development, test) or not served (production)",
     [](settings& s, const std::string& v) {
       if (!v.empty() && v.size() < 16)
         throw config_error("METRICS_TOKEN must be at least 16 characters");
       s.metrics_token = v;
     },
     [](const settings& s) { return std::string{s.metrics_token.empty() ? "" : "(set)"}; }},
  };
  return all;
}

/// APP_ENV=production fails closed: what would otherwise fall back to a default meant for
/// development (the embedded database, a generated JWT secret, the gateways' local mocks,
/// the document's mock API as provider) must be set explicitly, or the start stops.
void check_production(const std::map<std::string, std::string>& merged) {
  auto set = [&](const char* name) {
    auto it = merged.find(name);
    return it != merged.end() && !it->second.empty();
  };
  std::string missing;
  for (const char* name : {"DATABASE_URL", "JWT_SECRET", "PAYMENT_PROVIDER", "PAYMENT_SERVICE_URL", "SHIPPING_PROVIDER",
                           "SHIPPING_SERVICE_URL", "EMAIL_PROVIDER", "EMAIL_SERVICE_URL"})
    if (!set(name))
      missing += (missing.empty() ? "" : ", ") + std::string{name};
  if (!missing.empty())
    throw config_error("APP_ENV=production needs " + missing +
                       " set: no embedded database, generated secret or mock gateway in production");
  settings defaults;
  for (const auto& [name, mock] : {std::pair{"PAYMENT_SERVICE_URL", defaults.payment_service_url},
                                   std::pair{"SHIPPING_SERVICE_URL", defaults.shipping_service_url},
                                   std::pair{"EMAIL_SERVICE_URL", defaults.email_service_url}}) {
    auto url = merged.at(name);
    while (!url.empty() && url.back() == '/')
      url.pop_back();
    if (url == mock)
      throw config_error(std::string{name} + " is the local mock's address (" + mock +
                         "); APP_ENV=production needs the real gateway's URL");
  }
}

/// DATABASE_URL goes to libpq as it is (libpq parses it); this only stops a malformed URL at
/// start-up, with one line. libcurl's parser checks it once per host of libpq's host list: libpq
/// also takes several hosts (comma-separated), none (its default socket) or a socket directory
/// percent-encoded in a host's place, which a generic URL parser refuses, so each host is checked
/// alone and those two stand-ins as "localhost". A value that does not begin with a scheme is
/// libpq's key=value form, left to libpq. The messages never repeat the URL: it may hold a password.
void check_database_url(const std::string& url) {
  auto scheme_end = url.find("://");
  auto scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos || scheme.empty() || !std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      }))
    return;
  if (scheme != "postgresql" && scheme != "postgres")
    throw config_error("DATABASE_URL must be a postgresql:// or postgres:// URL (or libpq's key=value form)");
  auto authority_begin = scheme_end + 3;
  auto authority_end = std::min(url.find_first_of("/?", authority_begin), url.size());
  auto authority = url.substr(authority_begin, authority_end - authority_begin);
  auto at = authority.rfind('@');
  auto user_info = at == std::string::npos ? std::string{} : authority.substr(0, at + 1);
  auto hosts = at == std::string::npos ? authority : authority.substr(at + 1);
  size_t start = 0;
  for (;;) {
    auto comma = std::min(hosts.find(',', start), hosts.size());
    auto host = hosts.substr(start, comma - start);
    auto name_end = host.rfind(':') == std::string::npos || host.back() == ']' ? host.size() : host.rfind(':');
    auto name = host.substr(0, name_end);
    if (name.empty() || (name.size() >= 3 && (name.compare(0, 3, "%2F") == 0 || name.compare(0, 3, "%2f") == 0)))
      host = "localhost" + host.substr(name_end);
    try {
      common::parse_url(scheme + "://" + user_info + host + url.substr(authority_end));
    } catch (const std::invalid_argument& e) {
      throw config_error(std::string{"DATABASE_URL is not a valid URL: "} + e.what());
    }
    if (comma == hosts.size())
      break;
    start = comma + 1;
  }
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

command_line parse_command_line(const std::vector<std::string>& args) {
  command_line cli;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      cli.show_help = true;
      continue;
    }
    auto eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    auto value_of = [&]() -> std::string {
      if (eq != std::string::npos)
        return arg.substr(eq + 1);
      if (i + 1 >= args.size())
        throw config_error("option " + name + " needs a value");
      return args[++i];
    };
    if (name == "--config") {
      cli.config_file = value_of();
      continue;
    }
    bool known = false;
    for (const auto& spec : specs()) {
      if (spec.flag && name == spec.flag) {
        cli.overrides[spec.env] = value_of();
        known = true;
        break;
      }
    }
    if (!known)
      throw config_error("unknown option '" + arg + "' (see --help)");
  }
  return cli;
}

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw config_error("cannot read config file " + path);
  std::map<std::string, std::string> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto t = trim(line);
    if (t.empty() || t[0] == '#')
      continue;
    if (t.rfind("export ", 0) == 0)
      t = trim(t.substr(7));
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw config_error(path + ":" + std::to_string(number) + ": expected KEY=VALUE");
    auto key = trim(t.substr(0, eq));
    auto value = trim(t.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    values[key] = value;
  }
  return values;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

settings load(const command_line& cli, const std::map<std::string, std::string>& environment) {
  std::map<std::string, std::string> merged;
  if (cli.config_file)
    merged = read_env_file(*cli.config_file);
  for (const auto& spec : specs())
    if (auto it = environment.find(spec.env); it != environment.end())
      merged[spec.env] = it->second;
  for (const auto& [k, v] : cli.overrides)
    merged[k] = v;
  const bool production = merged.count("APP_ENV") && merged["APP_ENV"] == "production";
  // The document's variable names for the gateways' mocks, used when ours are absent (never in
  // production: they name mocks).
  for (auto [ours, theirs] : {std::pair{"PAYMENT_SERVICE_URL", "PAYMENT_MOCK_URL"},
                              std::pair{"SHIPPING_SERVICE_URL", "SHIPPING_MOCK_URL"},
                              std::pair{"EMAIL_SERVICE_URL", "EMAIL_MOCK_URL"}}) {
    if (production || merged.count(ours))
      continue;
    if (auto it = environment.find(theirs); it != environment.end())
      merged[ours] = it->second;
  }
  if (production)
    check_production(merged);

  settings s;
  for (const auto& spec : specs())
    if (auto it = merged.find(spec.env); it != merged.end())
      spec.apply(s, it->second);

  if (s.host.empty())
    throw config_error("HOST must not be empty");
  if (!s.jwt_secret.empty() && s.jwt_secret.size() < 32)
    throw config_error("JWT_SECRET must be at least 32 bytes long");
  if (s.admin_email.empty() != s.admin_password.empty())
    throw config_error("ADMIN_EMAIL and ADMIN_PASSWORD must be set together");
  for (const auto& [name, url] : {std::pair{"PAYMENT_SERVICE_URL", s.payment_service_url},
                                  std::pair{"SHIPPING_SERVICE_URL", s.shipping_service_url},
                                  std::pair{"EMAIL_SERVICE_URL", s.email_service_url}}) {
    bool smtp_url = std::string{name} == "EMAIL_SERVICE_URL" && s.email_provider == "smtp";
    bool ok = smtp_url ? url.rfind("smtp://", 0) == 0 || url.rfind("smtps://", 0) == 0
                       : url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    if (!ok)
      throw config_error(std::string{name} + " must be an " + (smtp_url ? "smtp:// or smtps://" : "http:// or https://") +
                         " URL, got '" + url + "'");
  }
  static const std::vector<std::string> payment_providers = {"generic", "yookassa", "stripe", "cloudpayments"};
  if (std::find(payment_providers.begin(), payment_providers.end(), s.payment_provider) == payment_providers.end())
    throw config_error("PAYMENT_PROVIDER '" + s.payment_provider +
                       "' is not available (available: generic, yookassa, stripe, cloudpayments)");
  if ((s.payment_provider == "yookassa" || s.payment_provider == "cloudpayments") &&
      (s.payment_account_id.empty() || s.payment_secret.empty()))
    throw config_error("PAYMENT_PROVIDER " + s.payment_provider + " needs PAYMENT_ACCOUNT_ID and PAYMENT_SECRET");
  if (s.payment_provider == "stripe" && s.payment_secret.empty())
    throw config_error("PAYMENT_PROVIDER stripe needs PAYMENT_SECRET (the secret key)");
  static const std::vector<std::string> carriers = {"generic", "cdek", "boxberry", "russian_post"};
  if (std::find(carriers.begin(), carriers.end(), s.shipping_provider) == carriers.end())
    throw config_error("SHIPPING_PROVIDER '" + s.shipping_provider +
                       "' is not available (available: generic, cdek, boxberry, russian_post)");
  if (s.shipping_provider == "cdek" &&
      (s.shipping_account_id.empty() || s.shipping_secret.empty() || s.shipping_origin_postal_code.empty()))
    throw config_error("SHIPPING_PROVIDER cdek needs SHIPPING_ACCOUNT_ID, SHIPPING_SECRET and SHIPPING_ORIGIN_POSTAL_CODE");
  if (s.shipping_provider == "boxberry" && s.shipping_secret.empty())
    throw config_error("SHIPPING_PROVIDER boxberry needs SHIPPING_SECRET (the API token)");
  if (s.shipping_provider == "russian_post") {
    if (s.shipping_account_id.empty() || s.shipping_secret.empty() || s.shipping_access_token.empty())
      throw config_error("SHIPPING_PROVIDER russian_post needs SHIPPING_ACCOUNT_ID, SHIPPING_SECRET and SHIPPING_ACCESS_TOKEN");
    const auto& index = s.shipping_origin_postal_code;
    if (index.size() != 6 || index[0] == '0' ||
        !std::all_of(index.begin(), index.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      throw config_error("SHIPPING_PROVIDER russian_post needs SHIPPING_ORIGIN_POSTAL_CODE, a six-digit Russian postal code");
  }
  static const std::vector<std::string> email_providers = {"generic", "sendgrid", "mailgun", "smtp"};
  if (std::find(email_providers.begin(), email_providers.end(), s.email_provider) == email_providers.end())
    throw config_error("EMAIL_PROVIDER '" + s.email_provider + "' is not available (available: generic, sendgrid, mailgun, smtp)");
  if ((s.email_provider == "sendgrid" || s.email_provider == "mailgun") && s.email_secret.empty())
    throw config_error("EMAIL_PROVIDER " + s.email_provider + " needs EMAIL_SECRET (the API key)");
  if (s.email_provider == "mailgun" && s.email_account_id.empty())
    throw config_error("EMAIL_PROVIDER mailgun needs EMAIL_ACCOUNT_ID (the sending domain)");
  if (!s.sms_provider.empty()) {
    if (s.sms_provider != "twilio" && s.sms_provider != "sms_ru")
      throw config_error("SMS_PROVIDER '" + s.sms_provider + "' is not available (available: twilio, sms_ru)");
    if (s.sms_service_url.rfind("http://", 0) != 0 && s.sms_service_url.rfind("https://", 0) != 0)
      throw config_error("SMS_SERVICE_URL must be an http:// or https:// URL when SMS_PROVIDER is set");
    if (s.sms_secret.empty() || (s.sms_provider == "twilio" && (s.sms_account_id.empty() || s.sms_sender.empty())))
      throw config_error("SMS_PROVIDER " + s.sms_provider + " needs SMS_SECRET" +
                         (s.sms_provider == "twilio" ? ", SMS_ACCOUNT_ID and SMS_SENDER" : ""));
  }
  // API.md §3.7: a feed URL alone means the generic feed; a provider without a URL is a mistake.
  if (s.inventory_provider.empty() && !s.inventory_service_url.empty())
    s.inventory_provider = "generic";
  if (!s.inventory_provider.empty()) {
    if (s.inventory_provider != "generic")
      throw config_error("INVENTORY_PROVIDER '" + s.inventory_provider + "' is not available (available: generic)");
    if (s.inventory_service_url.rfind("http://", 0) != 0 && s.inventory_service_url.rfind("https://", 0) != 0)
      throw config_error("INVENTORY_SERVICE_URL must be an http:// or https:// URL when INVENTORY_PROVIDER is set");
  }
  for (auto* url : {&s.payment_service_url, &s.shipping_service_url, &s.email_service_url, &s.sms_service_url,
                    &s.inventory_service_url})
    while (!url->empty() && url->back() == '/')
      url->pop_back();
  for (const auto& [name, list] : {std::pair{"PAYMENT_WEBHOOK_ALLOWED_IPS", s.payment_webhook_allowed_ips},
                                   std::pair{"TRUSTED_PROXIES", s.trusted_proxies}}) {
    std::string why;
    if (!ip_ranges::parse(list, why))
      throw config_error(std::string{name} + ": " + why);
  }
  try {
    domain::parse_beat_schedule(s.beat_schedule);
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string{"BEAT_SCHEDULE: "} + e.what());
  }
  check_database_url(s.database_url);
  if (s.database_url.empty() && s.data_dir.empty())
    throw config_error("DATA_DIR must not be empty when DATABASE_URL is unset");
  return s;
}

std::string help_text() {
  std::ostringstream out;
  out << "Usage: commerce-server [--config FILE] [--host ADDR] [--port N] [--data-dir DIR] [--log-level L]\n\n"
         "Settings come from the environment, optionally from an env-file given with --config\n"
         "(the environment overrides the file); flags override both.\n\n";
  settings defaults;
  for (const auto& spec : specs()) {
    out << "  " << spec.env;
    if (spec.flag)
      out << " (" << spec.flag << ")";
    out << "\n      " << spec.help << "; default: " << spec.show(defaults) << "\n";
  }
  return out.str();
}

}  // namespace commerce::config
