#include "tests/http/support/process.hpp"

#include "tests/http/support/http_client.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace http_test {

// ---------------------------------------------------------------------------------------------
// Environment

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string{name} +
                             " is not set: the HTTP tests need a server binary, PostgreSQL and Redis; "
                             "run through scripts/test");
  return v;
}

std::string server_binary() { return required_env("COMMERCE_SERVER"); }
std::string test_database_url() { return required_env("TEST_DATABASE_URL"); }
std::string test_redis_url() { return required_env("TEST_REDIS_URL"); }

std::string make_temp_dir(const std::string& prefix) {
  std::string templ = "/tmp/" + prefix + ".XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("mkdtemp failed: " + std::string{std::strerror(errno)});
  std::string dir{buf.data()};
  chmod(dir.c_str(), 0755);
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tail_lines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  size_t seen = 0;
  while (pos > 0) {
    auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    if (nl + 1 < text.size() && ++seen > lines) {
      pos = nl + 1;
      break;
    }
    pos = nl;
  }
  return text.substr(pos);
}

namespace {

/// Variables passed through from the test's own environment: tools and sanitizer settings.
const char* const passthrough[] = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PG_BIN_DIR",
                                   "LD_LIBRARY_PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};

std::map<std::string, std::string> child_environment(const env_overrides& overrides) {
  auto env = server_process::base_environment();
  for (const auto& [k, v] : overrides) {
    if (v)
      env[k] = *v;
    else
      env.erase(k);
  }
  return env;
}

/// argv/envp built before fork(), so the child only calls async-signal-safe functions.
struct exec_image {
  std::vector<std::string> storage_args, storage_env;
  std::vector<char*> argv, envp;

  exec_image(const std::string& binary, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env) {
    storage_args.push_back(binary);
    storage_args.insert(storage_args.end(), args.begin(), args.end());
    for (const auto& [k, v] : env)
      storage_env.push_back(k + "=" + v);
    for (auto& a : storage_args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : storage_env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

/// fork + exec with stdout/stderr redirected to the given files (opened before the fork). The
/// child gets SIGTERM if this test process dies, so no server outlives a crashed test run.
pid_t spawn(const exec_image& image, const std::string& out_path, const std::string& err_path) {
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int err = err_path == out_path ? out : open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0)
    throw std::runtime_error("cannot open the child's log files: " + std::string{std::strerror(errno)});
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed: " + std::string{std::strerror(errno)});
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
      _exit(125);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // The test process may have blocked signals; the server sets its own mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(image.argv[0], image.argv.data(), image.envp.data());
    _exit(127);
  }
  close(in);
  if (err != out)
    close(err);
  close(out);
  return pid;
}

/// Runs `image` to completion, stdout and stderr kept apart; kills it after `limit`.
/// Runs `image` to completion, stdout and stderr kept apart; kills it after `limit`.
run_result run_image_to_exit(const exec_image& image, std::chrono::milliseconds limit) {
  auto dir = make_temp_dir("http-tests-run");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = spawn(image, dir + "/stdout", dir + "/stderr");
  run_result res;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (std::chrono::steady_clock::now() - start > limit) {
      res.timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  res.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (!res.timed_out && WIFEXITED(status))
    res.exit_code = WEXITSTATUS(status);
  res.out = read_file(dir + "/stdout");
  res.err = read_file(dir + "/stderr");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return res;
}

/// True if nothing listens on 127.0.0.1:port right now (and no TIME_WAIT socket holds it).
bool port_is_free(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

int free_port() {
  static std::mt19937 rng{static_cast<unsigned>(std::random_device{}() ^ static_cast<unsigned>(getpid()))};
  std::uniform_int_distribution<int> dist{20000, 29999};
  for (int i = 0; i < 200; ++i) {
    int p = dist(rng);
    if (port_is_free(p))
      return p;
  }
  throw std::runtime_error("no free TCP port found in 20000-29999");
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string{"signal "} + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::map<std::string, std::string> inherited_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : passthrough)
    if (const char* v = std::getenv(name))
      env[name] = v;
  return env;
}

// ---------------------------------------------------------------------------------------------
// child_process

child_process::child_process(const std::string& binary, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env, const std::string& log_path) {
  exec_image image{binary, args, env};
  pid_ = spawn(image, log_path, log_path);
}

child_process::~child_process() { stop(); }

bool child_process::running() {
  if (exited_)
    return false;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0)
    return true;
  exited_ = true;  // reaped now (or, r < 0, by nobody we know: treat it as gone)
  status_ = r == pid_ ? status : 0;
  return false;
}

int child_process::stop(std::chrono::milliseconds limit) {
  if (!running())
    return status_;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      exited_ = true;
      status_ = status;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  return status_;
}

// ---------------------------------------------------------------------------------------------
// server_process

std::map<std::string, std::string> server_process::base_environment() {
  auto env = inherited_environment();
  env["DATABASE_URL"] = test_database_url();
  env["REDIS_URL"] = test_redis_url();
  env["JWT_SECRET"] = jwt_secret;
  env["ADMIN_EMAIL"] = admin_email;
  env["ADMIN_PASSWORD"] = admin_password;
  env["HOST"] = "127.0.0.1";
  env["LOG_LEVEL"] = "info";
  // Every server runs a beat, all on one database and Redis, as one cluster would: by default
  // none has periodic jobs (so the shared server never holds the lead, and no job settles,
  // polls or tracks another suite's leftovers against the current suite's mocks); the suites
  // that rely on one set BEAT_SCHEDULE. A SIGKILLed leader's lock expires soon.
  env["BEAT_SCHEDULE"] = "none";
  env["BEAT_LOCK_TTL_MS"] = "2000";
  // The suites log in and register far faster than people do, all from 127.0.0.1 and on one
  // shared Redis: the rate-limit tests set their own limits.
  for (const auto* limit : {"AUTH_ADDRESS_RATE_PER_MINUTE", "AUTH_ADDRESS_BURST", "AUTH_ACCOUNT_RATE_PER_MINUTE",
                            "AUTH_ACCOUNT_BURST"})
    env[limit] = "1000000";
  return env;
}

server_process::server_process(env_overrides env) : server_process(options{std::move(env), {}}) {}

server_process::server_process(options opts) : opts_(std::move(opts)) {
  auto binary = server_binary();
  dir_ = make_temp_dir("http-tests-server");
  log_path_ = dir_ + "/server.log";
  auto env = child_environment(opts_.env);

  std::string last_failure;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    port_ = free_port();
    env["PORT"] = std::to_string(port_);
    base_url_ = "http://127.0.0.1:" + std::to_string(port_);
    {
      std::ofstream mark{log_path_, std::ios::app};
      mark << "=== test harness: starting " << binary << " on port " << port_ << " (attempt " << attempt
           << ") ===\n";
    }
    try {
      if (launch(env, opts_.args))
        return;
    } catch (...) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      throw;
    }
    auto text = log();
    last_failure = "the server exited early (" + exit_description() + ")";
    // Another process may have taken the port between our check and the server's bind: retry.
    bool port_problem = text.find("cannot listen") != std::string::npos ||
                        text.find("Address already in use") != std::string::npos;
    if (!port_problem || attempt == 5)
      break;
    wait_status_.reset();
    pid_ = -1;
  }
  auto tail = log_tail(40);
  std::error_code ec;
  fs::remove_all(dir_, ec);
  throw std::runtime_error(last_failure + "; server log tail:\n" + tail);
}

bool server_process::launch(const std::map<std::string, std::string>& env, const std::vector<std::string>& args) {
  exec_image image{server_binary(), args, env};
  pid_ = spawn(image, log_path_, log_path_);
  client probe{base_url_};
  auto deadline = std::chrono::steady_clock::now() + opts_.ready_timeout;
  long last_status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running())
      return false;
    request_options o;
    o.timeout_ms = 2000;
    auto r = probe.request("GET", "/health/", std::nullopt, o);
    last_status = r.status;
    if (r.status == 200 || (!opts_.require_healthy && r.status != 0)) {
      if (running())
        return true;
      return false;
    }
    std::this_thread::sleep_for(50ms);
  }
  // Not ready in time: stop it and report.
  stop(5s);
  throw std::runtime_error("the server did not answer GET /health/ " +
                           std::string{opts_.require_healthy ? "with 200 " : ""} + "within " +
                           std::to_string(opts_.ready_timeout.count()) + " s (last status " +
                           std::to_string(last_status) + "); server log tail:\n" + log_tail(40));
}

server_process::~server_process() {
  if (pid_ > 0 && !wait_status_)
    stop();
  if (!std::getenv("HTTP_TESTS_KEEP_LOGS")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

bool server_process::reap(bool block) {
  if (wait_status_)
    return true;
  if (pid_ <= 0)
    return false;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    wait_status_ = status;
    return true;
  }
  return false;
}

bool server_process::running() { return pid_ > 0 && !reap(false); }

void server_process::signal(int sig) {
  if (running())
    kill(pid_, sig);
}

bool server_process::wait_exit(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

int server_process::stop(std::chrono::milliseconds limit) {
  if (pid_ <= 0)
    return -1;
  if (!wait_status_) {
    kill(pid_, SIGTERM);
    if (!wait_exit(limit)) {
      killed_ = true;
      kill(pid_, SIGKILL);
      reap(true);
    }
  }
  return *wait_status_;
}

std::optional<int> server_process::exit_code() const {
  if (wait_status_ && WIFEXITED(*wait_status_))
    return WEXITSTATUS(*wait_status_);
  return std::nullopt;
}

std::string server_process::exit_description() const {
  return wait_status_ ? describe_wait_status(*wait_status_) : "running";
}

std::string server_process::log() const { return read_file(log_path_); }
std::string server_process::log_tail(size_t lines) const { return tail_lines(log(), lines); }

run_result run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env, std::chrono::milliseconds limit) {
  return run_image_to_exit(exec_image{binary, args, env}, limit);
}

run_result run_server_to_exit(const env_overrides& overrides, const std::vector<std::string>& args,
                              std::chrono::milliseconds limit) {
  return run_image_to_exit(exec_image{server_binary(), args, child_environment(overrides)}, limit);
}

void check_refused_at_start(env_overrides env, const std::string& names_setting, const std::string& what) {
  env["PORT"] = std::to_string(free_port());
  auto r = run_server_to_exit(env, {}, std::chrono::seconds(15));
  BOOST_TEST((r.exit_code == std::optional<int>{2}), what << ": exit " << (r.exit_code ? *r.exit_code : -1)
                                                          << " stderr: " << r.err);
  auto text = r.err;
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  BOOST_TEST(!text.empty(), what << ": no message");
  BOOST_TEST(text.find('\n') == std::string::npos, what << ": more than one line: " << r.err);
  BOOST_TEST(text.find(names_setting) != std::string::npos, what << ": " << r.err);
}

void stop_cleanly(server_process& server, const std::string& what) {
  server.stop();
  BOOST_TEST((server.exit_code() == std::optional<int>{0}),
             what << " ended with " << server.exit_description() << " after SIGTERM; log tail:\n" << server.log_tail(30));
}

}  // namespace http_test
