// Test support: the processes of a test run. The environment scripts/test exports, free ports,
// temporary directories, the commerce-server under test (one shared per binary, or dedicated
// ones), helper child processes (mocks, SMTP servers) and runs of a binary to its exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
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

/// The whole content of a file ("" if it cannot be read), and its last `lines` lines.
std::string read_file(const std::string& path);
std::string tail_lines(const std::string& text, size_t lines);

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
  /// `env` over base_environment(), the other options at their defaults.
  explicit server_process(env_overrides env);
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

/// The outcome of a binary run to its exit (start-up failures, --help).
struct run_result {
  std::optional<int> exit_code;  ///< nullopt: killed by a signal or timed out
  bool timed_out = false;
  std::chrono::milliseconds elapsed{0};
  std::string out;
  std::string err;
};
/// Runs `binary` with `args` and exactly `env` to completion, stdout and stderr kept apart;
/// kills it after `limit`.
run_result run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env, std::chrono::milliseconds limit);
/// Runs the server binary to completion, with the given environment (base_environment() +
/// overrides) and arguments. Kills it after `limit`.
run_result run_server_to_exit(const env_overrides& env, const std::vector<std::string>& args,
                              std::chrono::milliseconds limit);

/// A server started with `env` (on a free port) must refuse to run: exit code 2 and one line on
/// stderr naming `names_setting` (e.g. "PAYMENT_"). `what` describes the case in failures.
void check_refused_at_start(env_overrides env, const std::string& names_setting, const std::string& what);

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

}  // namespace http_test
