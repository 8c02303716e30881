// Test support for the HTTP flow suite: a commerce-server child process, a libcurl client,
// unique e-mails, the database's verification tokens and hand-made JWTs.
//
// The suite runs through scripts/test, which exports COMMERCE_SERVER (via CTest),
// TEST_DATABASE_URL and TEST_REDIS_URL. A missing variable fails the run: nothing is skipped.
#pragma once

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace http_test {

// ---------------------------------------------------------------------------------------------
// Environment of the run

/// The value of a variable scripts/test exports; throws with "run through scripts/test" if unset.
std::string required_env(const char* name);
std::string server_binary();      ///< $COMMERCE_SERVER
std::string test_database_url();  ///< $TEST_DATABASE_URL
std::string test_redis_url();     ///< $TEST_REDIS_URL

/// Settings every test server gets (see server_process::base_environment()).
inline constexpr const char* jwt_secret = "http-tests-jwt-secret-0123456789-abcdefg";  // 40 bytes
inline constexpr const char* admin_email = "http-tests-admin@example.com";
inline constexpr const char* admin_password = "AdminPassw0rd-http";

/// A TCP port in 20000-29999 that is free right now (the kernel's ephemeral ports start at 32768).
int free_port();

/// A fresh directory under /tmp (mode 0755, so the `postgres` user can traverse it).
std::string make_temp_dir(const std::string& prefix);

// ---------------------------------------------------------------------------------------------
// The server under test

/// Environment changes for one server: a value sets the variable, std::nullopt removes it.
using env_overrides = std::map<std::string, std::optional<std::string>>;

/// A commerce-server child process. The constructor picks a free port in 20000-29999, starts the
/// server and waits until GET /health/ answers (retrying with another port if the process dies
/// early, e.g. because the port was taken). The destructor stops it: SIGTERM, up to 20 s, SIGKILL.
class server_process {
public:
  struct options {
    env_overrides env;                               ///< applied over base_environment()
    std::vector<std::string> args;                   ///< command-line arguments
    std::chrono::seconds ready_timeout{30};          ///< how long /health/ may take to answer
    bool require_healthy = true;                     ///< wait for 200; false: any HTTP answer will do
  };

  /// The settings of the shared test server: the test database and Redis, the fixed JWT secret,
  /// the staff user, HOST=127.0.0.1.
  static std::map<std::string, std::string> base_environment();

  explicit server_process(options opts);
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process();

  const std::string& base_url() const { return base_url_; }  ///< http://127.0.0.1:<port>
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();  ///< false once the process has exited (reaps it)

  /// Sends `sig` to the server (e.g. SIGTERM without waiting).
  void signal(int sig);
  /// SIGTERM, then waits up to `limit`, then SIGKILL. Returns the wait status (see exit_code()).
  int stop(std::chrono::milliseconds limit = std::chrono::seconds(20));
  /// Waits for the process to exit on its own, up to `limit`; true if it did.
  bool wait_exit(std::chrono::milliseconds limit);
  /// The exit code once it exited normally; std::nullopt while running or when killed by a signal.
  std::optional<int> exit_code() const;
  /// How the process ended, for messages: "exit 0", "signal 9", "running".
  std::string exit_description() const;
  bool killed_after_timeout() const { return killed_; }

  std::string log() const;                            ///< stdout + stderr so far
  std::string log_tail(size_t lines = 40) const;
  const std::string& log_path() const { return log_path_; }

private:
  bool launch(const std::map<std::string, std::string>& env, const std::vector<std::string>& args);
  bool reap(bool block);

  options opts_;
  std::string dir_;
  std::string log_path_;
  std::string base_url_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::optional<int> wait_status_;
  bool killed_ = false;
};

/// A helper process of a test (a gateway mock, an SMTP server): fork + exec of `binary` with
/// `args` and exactly `env`, stdin from /dev/null, stdout and stderr appended to `log_path`. It
/// gets SIGTERM if the test process dies, so none outlives a crashed run. The destructor stops it.
class child_process {
public:
  child_process(const std::string& binary, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env, const std::string& log_path);
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  pid_t pid() const { return pid_; }
  bool running();  ///< false once the process has exited (reaps it)
  /// SIGTERM, up to `limit`, then SIGKILL; the wait status (also when it had exited already).
  int stop(std::chrono::milliseconds limit = std::chrono::seconds(5));
  int wait_status() const { return status_; }  ///< meaningful once running() is false

private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

/// "exit 0", "signal 9": a wait status, for messages.
std::string describe_wait_status(int status);

/// The variables a child gets from the test's own environment: tools and sanitizer settings.
std::map<std::string, std::string> inherited_environment();

/// The server shared by the flow tests of this binary: started on first use, stopped when the
/// test module ends. If it failed to start once, later calls fail at once with the same error.
server_process& shared_server();

/// Runs the server binary to completion (for start-up failures and --help), with the given
/// environment (base_environment() + overrides) and arguments. Kills it after `limit`.
struct run_result {
  std::optional<int> exit_code;  ///< nullopt: killed by a signal or timed out
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
  std::string out;
  std::string err;
};
run_result run_server_to_exit(const env_overrides& env, const std::vector<std::string>& args,
                              std::chrono::milliseconds limit);

// ---------------------------------------------------------------------------------------------
// HTTP client

/// A case-insensitive header map; a repeated header's values are joined with ", ".
struct ci_less {
  bool operator()(const std::string& a, const std::string& b) const;
};
using header_map = std::map<std::string, std::string, ci_less>;

struct response {
  std::string request;         ///< "METHOD /path", for messages
  long status = 0;             ///< 0: no HTTP answer (see transport_error)
  std::string transport_error;
  header_map headers;
  std::string body;
  rapidjson::Document json;    ///< parsed body; json.IsNull() if it was not JSON
  bool is_json = false;

  response() = default;
  response(response&&) = default;
  response& operator=(response&&) = default;

  std::string header(const std::string& name) const;  ///< "" when absent
  bool has_header(const std::string& name) const { return headers.count(name) != 0; }

  /// error.code of an error body, or "" when the body has none.
  std::string error_code() const;
  /// True when error.fields has `name`.
  bool has_field_error(const std::string& name) const;
  /// Top-level string member, or "" (e.g. str("access")).
  std::string str(const char* name) const;
  /// For assertion messages: "<status> <body>" (truncated).
  std::string describe() const;
};

struct request_options {
  std::string bearer;                        ///< adds "Authorization: Bearer <bearer>"
  std::optional<std::string> content_type;   ///< default: application/json when a body is sent
  std::vector<std::string> headers;          ///< extra raw "Name: value" lines
  long timeout_ms = 20000;
};

/// One libcurl easy handle (keep-alive across requests). Not thread-safe: one per thread.
/// Every response body is also kept in transcript() so tests can scan all of them.
class client {
public:
  explicit client(std::string base_url);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  response request(const std::string& method, const std::string& path, const std::optional<std::string>& body,
                   const request_options& opts = {});

  response get(const std::string& path, const std::string& bearer = "");
  response post(const std::string& path, const std::string& body, const std::string& bearer = "");
  response put(const std::string& path, const std::string& body, const std::string& bearer = "");
  response patch(const std::string& path, const std::string& body, const std::string& bearer = "");
  response del(const std::string& path, const std::string& bearer = "");

  const std::vector<std::string>& transcript() const { return transcript_; }
  const std::string& base_url() const { return base_url_; }

private:
  struct curl_deleter {
    void operator()(void* handle) const;
  };
  std::string base_url_;
  std::unique_ptr<void, curl_deleter> handle_;
  std::vector<std::string> transcript_;
};

// ---------------------------------------------------------------------------------------------
// Test data

/// A unique, valid, lower-case e-mail: "<tag>.<pid>.<counter>.<ms>@example.com".
std::string unique_email(const std::string& tag = "user");

/// A JSON string literal (quoted and escaped) for building request bodies.
std::string quote(const std::string& s);

/// POST /api/auth/register/ with email + password (and optional extra members, e.g.
/// `"first_name":"Ann"`). Does not assert.
response register_user(client& c, const std::string& email, const std::string& password,
                       const std::string& extra_members = "");
response login(client& c, const std::string& email, const std::string& password);

/// A registered user with its tokens, for tests that just need someone signed in.
struct account {
  std::string email;
  std::string password;
  std::string access;
  std::string refresh;
  int64_t id = 0;
};
/// Registers a fresh user and checks the 201; throws with the response on failure.
/// `extra_members` as for register_user() (e.g. `"phone":"+79001234567"`).
account new_account(client& c, const std::string& tag = "user", const std::string& extra_members = "");
/// Logs the ADMIN_EMAIL staff user in; throws with the response on failure.
account staff_account(client& c);

/// The verify_email token the server put in email_outbox for `email` (latest one); throws if none.
std::string verification_token_for(const std::string& email);

// ---------------------------------------------------------------------------------------------
// JWTs made by hand (to test the server's checks)

std::string b64url_encode(const std::string& data);
std::string b64url_decode(const std::string& data);  ///< throws on bad input
/// Raw HMAC-SHA256 (webhook signatures made by hand), as base64 with padding, and as hex.
std::string hmac_sha256(const std::string& key, const std::string& data);
std::string b64_encode(const std::string& data);
std::string hex_encode(const std::string& data);
/// header.payload.signature with HS256 over `secret` (the header is given as JSON text).
std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const std::string& secret);
/// The decoded payload JSON of a token.
std::string jwt_payload(const std::string& token);

// ---------------------------------------------------------------------------------------------
// Catalog, cart and order helpers

/// A token of letters and digits unique to this run: "<prefix><pid>x<counter>x<ms>". Products
/// persist in the test database, so names and search terms carry one.
std::string unique_tag(const std::string& prefix = "t");
/// A unique, valid SKU ("<prefix>-<pid>x<counter>x<ms>", at most 64 characters).
std::string unique_sku(const std::string& prefix = "SKU");
/// Percent-encodes everything but unreserved characters (for query strings).
std::string url_encode(const std::string& s);

/// A POST /api/products/ body; `price` is inserted as written (a JSON number or a quoted string).
std::string product_body(const std::string& name, const std::string& price, int quantity, const std::string& sku,
                         const std::string& description = "");
/// Creates an active product as staff and returns its id; throws with the response unless 201.
int64_t create_product(client& c, const std::string& staff_token, const std::string& name, const std::string& price,
                       int quantity, const std::string& description = "");
/// GET /api/products/{id}/ -> its quantity; throws unless 200.
int64_t stock_of(client& c, int64_t product_id);

/// A valid address object (JSON text) without `country`, so the default "RU" applies.
std::string address_json(const std::string& city = "Moscow");
/// A POST /api/orders/ body with explicit items (an empty list: from the cart) and address_json().
std::string order_body(const std::vector<std::pair<int64_t, int>>& items);
/// POST with an Idempotency-Key header.
response post_with_key(client& c, const std::string& path, const std::string& body, const std::string& bearer,
                       const std::string& key);

/// Member `key` of object `v` as a number (money is compared with a 0.005 tolerance), NaN if absent.
double number_of(const rapidjson::Value& v, const char* key);
/// Member `key` of object `v` as an integer; std::nullopt if absent or not an integer.
std::optional<int64_t> int_of(const rapidjson::Value& v, const char* key);
/// Member `key` of object `v` as a string; "<missing>" if absent or not a string.
std::string string_of(const rapidjson::Value& v, const char* key);
/// The member names of an object (empty for anything else): for "these keys and no others".
std::set<std::string> keys_of(const rapidjson::Value& v);
/// |a - b| < 0.005 (API.md §0).
inline bool same_money(double a, double b) { return a - b < 0.005 && b - a < 0.005; }

// ---------------------------------------------------------------------------------------------
// The test database, read directly (libpq, bound parameters)

/// The first column of the first row of `sql` run on TEST_DATABASE_URL, or std::nullopt for no
/// row or NULL. Throws on a connection or SQL error.
std::optional<std::string> db_value(const std::string& sql, const std::vector<std::string>& params = {});
/// db_value() as an integer; throws when it is absent.
int64_t db_int(const std::string& sql, const std::vector<std::string>& params = {});

// ---------------------------------------------------------------------------------------------
// Concurrency

/// Releases every waiting thread at once: threads call arrive_and_wait(), the test calls
/// open() once all `expected` threads have arrived (wait_for_all() blocks until then).
class start_gate {
public:
  explicit start_gate(int expected) : expected_(expected) {}
  void arrive_and_wait();
  void wait_for_all();
  void open();

private:
  std::mutex m_;
  std::condition_variable cv_;
  int expected_;
  int arrived_ = 0;
  bool open_ = false;
};

}  // namespace http_test

/// BOOST_TEST(a == b) prints both sides on failure; std::optional<int64_t> (int_of()) prints its
/// value or "nullopt".
namespace boost::test_tools::tt_detail {
template <>
struct print_log_value<std::optional<int64_t>> {
  void operator()(std::ostream& os, const std::optional<int64_t>& v) {
    if (v)
      os << *v;
    else
      os << "nullopt";
  }
};
}  // namespace boost::test_tools::tt_detail

/// Status checks that print the request and the whole response on failure. Each evaluates its
/// response argument exactly once, so `CHECK_STATUS(c.get(...), 200)` sends one request.
#define HTTP_TEST_EXPECT(tool, r, condition, what)                                                   \
  do {                                                                                               \
    const ::http_test::response& x_ = (r);                                                           \
    tool((condition), x_.request << " -> " << x_.describe() << " (expected " << what << ")");        \
  } while (false)

#define CHECK_STATUS(r, expected) HTTP_TEST_EXPECT(BOOST_TEST, r, x_.status == (expected), "HTTP " << (expected))
#define REQUIRE_STATUS(r, expected) \
  HTTP_TEST_EXPECT(BOOST_TEST_REQUIRE, r, x_.status == (expected), "HTTP " << (expected))
/// Status and error.code of an error body.
#define CHECK_ERROR(r, expected_status, expected_code)                                             \
  HTTP_TEST_EXPECT(BOOST_TEST, r, x_.status == (expected_status) && x_.error_code() == (expected_code), \
                   "HTTP " << (expected_status) << " with code " << (expected_code))
/// A validation error (400) that names `field` in error.fields.
#define CHECK_FIELD_ERROR(r, field)                                                                              \
  HTTP_TEST_EXPECT(BOOST_TEST, r,                                                                               \
                   x_.status == 400 && x_.error_code() == "validation_error" && x_.has_field_error(field),      \
                   "400 validation_error naming " << (field))

// ---------------------------------------------------------------------------------------------
// commerce-mock: a MockServer-compatible stand-in for a gateway (GATEWAYS.md §1)

#include <functional>

namespace http_test {

/// $COMMERCE_MOCK (CTest sets it); throws with a hint when unset or not executable.
std::string mock_binary_path();

/// A commerce-mock child on 127.0.0.1 and a port from free_port(), ready once PUT
/// /mockserver/status answers 200 (another port is tried if it dies early). The destructor stops
/// it: SIGTERM, up to 5 s, then SIGKILL. The control-plane helpers open a connection per call.
class gateway_mock {
public:
  explicit gateway_mock(std::vector<std::string> extra_args = {});
  gateway_mock(const gateway_mock&) = delete;
  gateway_mock& operator=(const gateway_mock&) = delete;
  ~gateway_mock();

  const std::string& base_url() const { return base_url_; }
  int port() const { return port_; }
  std::string log() const;
  bool running();
  /// SIGTERM, up to 5 s, SIGKILL; returns the wait status.
  int stop();

  /// PUT /mockserver/reset (expectations and the request journal); throws unless 200.
  void reset();
  /// PUT /mockserver/expectation with one expectation or an array; throws unless 201.
  void expect(const std::string& expectation_json);
  /// PUT /mockserver/verify with the body as given: 202 if matched, 406 (with the reason) if not.
  response verify(const std::string& verification_json);
  /// verify() of `{"httpRequest":<http_request_json>,"times":{"atLeast":..,"atMost":..}}`; a
  /// negative bound is left out (unbounded).
  response verify_times(const std::string& http_request_json, int at_least, int at_most);
  /// PUT /mockserver/retrieve?type=requests with an optional request matcher: the recorded
  /// requests, oldest first (a JSON array); throws unless 200 with an array.
  rapidjson::Document recorded_requests(const std::string& matcher_json = "");

private:
  bool launch(int port, std::string& error);

  std::vector<std::string> args_;
  std::string dir_, log_path_, base_url_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

/// Runs commerce-mock with `args` until it exits on its own (start-up failures); kills it after
/// `limit`. Its output is in out (stdout) and err (stderr).
run_result run_mock_to_exit(const std::vector<std::string>& args,
                            std::chrono::milliseconds limit = std::chrono::seconds(5));

/// A recorded request's body as JSON, in either of MockServer's shapes (the plain value or
/// {"type":"JSON","json":...}, GATEWAYS.md §1.5); null when there is none or it is not JSON.
rapidjson::Document mock_request_body(const rapidjson::Value& recorded);
/// The values of header `name` (any case) of a recorded request, in both header-map forms.
std::vector<std::string> mock_request_header(const rapidjson::Value& recorded, const std::string& name);

/// The raw text of a recorded request's body: a plain string (how commerce-mock records a form
/// or text body), {"type":"STRING","string":...}, or a JSON body written back out as text.
std::string mock_request_text(const rapidjson::Value& recorded);
/// The first value of header `name` of a recorded request, or "<none>".
std::string mock_first_header(const rapidjson::Value& recorded, const std::string& name);
/// The fields of an application/x-www-form-urlencoded body, decoded ('+' is a space). A repeated
/// name keeps its last value.
std::map<std::string, std::string> form_fields(const std::string& body);

/// An expectation answering `method path` (path is a MockServer regex) with `status`, the
/// header Content-Type: application/json and `body_text` as the body, sent as written.
std::string json_expectation(const std::string& method, const std::string& path, int status,
                             const std::string& body_text);

/// A server started with `env` (on a free port) must refuse to run: exit code 2 and one line on
/// stderr naming `names_setting` (e.g. "PAYMENT_"). `what` describes the case in failures.
void check_refused_at_start(env_overrides env, const std::string& names_setting, const std::string& what);

/// The server never wrote `secret` to its log, nor to any column of gateway_calls.
void check_secret_hidden(const server_process& server, const std::string& secret);

/// A server pointed at a `kind` ("PAYMENT" or "SHIPPING") gateway and an e-mail gateway (the
/// document's *_MOCK_URL fallbacks unset), with GATEWAY_TIMEOUT_MS=1000 and `extra` on top.
server_process::options gateway_server(const std::string& kind, const std::string& gateway_url,
                                       const std::string& email_url, const env_overrides& extra = {});

/// Stops `server` (SIGTERM) and checks that it exited 0; `what` names it in the failure.
void stop_cleanly(server_process& server, const std::string& what);

/// One environment (a server and its mocks) for a whole suite, as a Boost suite fixture: Env
/// starts with the suite, and when the suite ends its `server` must stop cleanly. Env::what
/// names the server; cases reach the environment with get().
template <class Env>
struct suite_env {
  suite_env() { slot() = std::make_unique<Env>(); }
  ~suite_env() {
    if (!slot())
      return;
    stop_cleanly(slot()->server, Env::what);
    slot().reset();
  }
  static Env& get() {
    if (!slot())
      throw std::runtime_error(std::string{Env::what} + " did not start (see the suite's set-up error)");
    return *slot();
  }

private:
  static std::unique_ptr<Env>& slot() {
    static std::unique_ptr<Env> env;
    return env;
  }
};

/// A dedicated server in front of one gateway mock of `kind` ("PAYMENT" or "SHIPPING":
/// {kind}_PROVIDER, {kind}_SERVICE_URL = the mock's URL + `url_suffix`) and an e-mail mock that
/// accepts everything, with GATEWAY_TIMEOUT_MS=1000, `settings` on top; a buyer and a product.
struct gateway_world {
  gateway_mock gateway;
  gateway_mock mail;
  std::unique_ptr<server_process> server;
  std::unique_ptr<client> c;
  account owner;
  int64_t product = 0;

  gateway_world(const std::string& kind, const std::string& provider, const std::string& url_suffix,
                const env_overrides& settings, const std::string& tag, const std::string& price = "12.34");
  /// A new order of `quantity` pieces of the product, as the owner.
  int64_t new_order(int quantity = 1);
};

/// Polls GET /api/notifications/order/{id}/ as `bearer` until the list holds at least `n`
/// entries or `limit` has passed; the last answer.
response notifications_of(client& c, int64_t order_id, const std::string& bearer, size_t n,
                          std::chrono::milliseconds limit = std::chrono::seconds(5));

/// Calls `done` every `every` until it returns true or `limit` has passed; its last result.
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));

}  // namespace http_test
