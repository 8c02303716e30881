#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

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

namespace {

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
run_result run_to_exit(const exec_image& image, std::chrono::milliseconds limit) {
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
  // The suites log in and register far faster than people do, all from 127.0.0.1 and on one
  // shared Redis: the rate-limit tests set their own limits.
  for (const auto* limit : {"AUTH_ADDRESS_RATE_PER_MINUTE", "AUTH_ADDRESS_BURST", "AUTH_ACCOUNT_RATE_PER_MINUTE",
                            "AUTH_ACCOUNT_BURST"})
    env[limit] = "1000000";
  return env;
}

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

// ---------------------------------------------------------------------------------------------
// The shared server and the module fixture

namespace {

std::unique_ptr<server_process> shared;
std::string shared_error;

struct module_fixture {
  module_fixture() = default;
  void setup() {
    // Fail the whole run at once when it is not started by scripts/test.
    server_binary();
    test_database_url();
    test_redis_url();
  }
  void teardown() {
    if (!shared)
      return;
    shared->stop();
    BOOST_TEST((shared->exit_code() == std::optional<int>{0}),
               "the shared server ended with " << shared->exit_description() << " after SIGTERM; log tail:\n"
                                               << shared->log_tail(30));
    shared.reset();
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(module_fixture);

server_process& shared_server() {
  if (shared)
    return *shared;
  if (!shared_error.empty())
    throw std::runtime_error("the shared server could not start earlier: " + shared_error);
  try {
    shared = std::make_unique<server_process>(server_process::options{});
  } catch (const std::exception& e) {
    shared_error = e.what();
    throw;
  }
  return *shared;
}

run_result run_server_to_exit(const env_overrides& overrides, const std::vector<std::string>& args,
                              std::chrono::milliseconds limit) {
  return run_to_exit(exec_image{server_binary(), args, child_environment(overrides)}, limit);
}

// ---------------------------------------------------------------------------------------------
// HTTP client

bool ci_less::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string response::error_code() const {
  if (!is_json || !json.IsObject())
    return "";
  auto e = json.FindMember("error");
  if (e == json.MemberEnd() || !e->value.IsObject())
    return "";
  auto c = e->value.FindMember("code");
  return c != e->value.MemberEnd() && c->value.IsString() ? c->value.GetString() : "";
}

bool response::has_field_error(const std::string& name) const {
  if (!is_json || !json.IsObject())
    return false;
  auto e = json.FindMember("error");
  if (e == json.MemberEnd() || !e->value.IsObject())
    return false;
  auto f = e->value.FindMember("fields");
  return f != e->value.MemberEnd() && f->value.IsObject() && f->value.HasMember(name.c_str());
}

std::string response::str(const char* name) const {
  if (!is_json || !json.IsObject())
    return "";
  auto m = json.FindMember(name);
  return m != json.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
}

std::string response::describe() const {
  std::string out = "HTTP " + std::to_string(status);
  if (!transport_error.empty())
    out += " (transport error: " + transport_error + ")";
  constexpr size_t limit = 1500;
  out += " body: " + (body.size() > limit ? body.substr(0, limit) + "...[" + std::to_string(body.size()) + " bytes]"
                                          : body);
  return out;
}

void client::curl_deleter::operator()(void* handle) const { curl_easy_cleanup(static_cast<CURL*>(handle)); }

client::client(std::string base_url) : base_url_(std::move(base_url)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_.reset(curl_easy_init());
  if (!handle_)
    throw std::runtime_error("curl_easy_init failed");
}

client::~client() = default;

namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<header_map*>(user);
  std::string line{data, size * n};
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (e.g. after 100 Continue): start over
    headers->clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return size * n;
  auto name = line.substr(0, colon);
  auto value = line.substr(colon + 1);
  auto b = value.find_first_not_of(" \t");
  auto e = value.find_last_not_of(" \t\r\n");
  value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
  auto [it, inserted] = headers->emplace(name, value);
  if (!inserted)
    it->second += ", " + value;
  return size * n;
}

struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

response client::request(const std::string& method, const std::string& path, const std::optional<std::string>& body,
                         const request_options& opts) {
  CURL* h = static_cast<CURL*>(handle_.get());
  curl_easy_reset(h);
  response res;
  res.request = method + " " + path;
  std::string url = base_url_ + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &res.headers);

  std::unique_ptr<curl_slist, slist_deleter> list;
  auto add = [&](const std::string& line) { list.reset(curl_slist_append(list.release(), line.c_str())); };
  add("Expect:");
  if (!opts.bearer.empty())
    add("Authorization: Bearer " + opts.bearer);
  std::string content_type = opts.content_type.value_or(body ? "application/json" : "");
  add(content_type.empty() ? "Content-Type:" : "Content-Type: " + content_type);
  for (const auto& line : opts.headers)
    add(line);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());

  if (method == "GET" && !body) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    if (body || method == "POST" || method == "PUT" || method == "PATCH") {
      // libcurl keeps the pointer until the transfer ends: `body` outlives it, the literal too.
      const char* data = body ? body->data() : "";
      curl_off_t size = body ? static_cast<curl_off_t>(body->size()) : 0;
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, size);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
    }
    if (method != "POST")
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    res.transport_error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  }
  if (!res.body.empty()) {
    res.json.Parse(res.body.data(), res.body.size());
    res.is_json = !res.json.HasParseError();
    if (!res.is_json)
      res.json.SetNull();
  }
  transcript_.push_back(res.body);
  return res;
}

namespace {
request_options with_bearer(const std::string& bearer) {
  request_options o;
  o.bearer = bearer;
  return o;
}
}  // namespace

response client::get(const std::string& path, const std::string& bearer) {
  return request("GET", path, std::nullopt, with_bearer(bearer));
}
response client::post(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("POST", path, body, with_bearer(bearer));
}
response client::put(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("PUT", path, body, with_bearer(bearer));
}
response client::patch(const std::string& path, const std::string& body, const std::string& bearer) {
  return request("PATCH", path, body, with_bearer(bearer));
}
response client::del(const std::string& path, const std::string& bearer) {
  return request("DELETE", path, std::nullopt, with_bearer(bearer));
}

// ---------------------------------------------------------------------------------------------
// Test data

std::string unique_email(const std::string& tag) {
  static std::atomic<int> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  return tag + "." + std::to_string(getpid()) + "." + std::to_string(++counter) + "." + std::to_string(ms) +
         "@example.com";
}

std::string quote(const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return buf.GetString();
}

response register_user(client& c, const std::string& email, const std::string& password,
                       const std::string& extra_members) {
  std::string body = "{\"email\":" + quote(email) + ",\"password\":" + quote(password);
  if (!extra_members.empty())
    body += "," + extra_members;
  body += "}";
  return c.post("/api/auth/register/", body);
}

response login(client& c, const std::string& email, const std::string& password) {
  return c.post("/api/auth/login/", "{\"email\":" + quote(email) + ",\"password\":" + quote(password) + "}");
}

namespace {

account account_from(const response& r, const std::string& email, const std::string& password) {
  account a;
  a.email = email;
  a.password = password;
  a.access = r.str("access");
  a.refresh = r.str("refresh");
  if (r.is_json && r.json.IsObject() && r.json.HasMember("user") && r.json["user"].IsObject() &&
      r.json["user"].HasMember("id") && r.json["user"]["id"].IsInt64())
    a.id = r.json["user"]["id"].GetInt64();
  if (a.access.empty() || a.refresh.empty() || a.id <= 0)
    throw std::runtime_error("no tokens or user id in the response: " + r.describe());
  return a;
}

}  // namespace

account new_account(client& c, const std::string& tag, const std::string& extra_members) {
  auto email = unique_email(tag);
  std::string password = "Secret-pass-" + std::to_string(getpid()) + "x1";
  auto r = register_user(c, email, password, extra_members);
  if (r.status != 201)
    throw std::runtime_error("registering " + email + " failed: " + r.describe());
  return account_from(r, email, password);
}

account staff_account(client& c) {
  auto r = login(c, admin_email, admin_password);
  if (r.status != 200)
    throw std::runtime_error("the staff login (ADMIN_EMAIL) failed: " + r.describe());
  return account_from(r, admin_email, admin_password);
}

std::string verification_token_for(const std::string& email) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(test_database_url().c_str()), &PQfinish};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to TEST_DATABASE_URL: " + std::string{PQerrorMessage(conn.get())});
  const char* params[] = {email.c_str()};
  std::unique_ptr<PGresult, decltype(&PQclear)> res{
    PQexecParams(conn.get(),
                 "SELECT payload->>'token' FROM email_outbox WHERE recipient = $1 AND template = 'verify_email' "
                 "ORDER BY id DESC LIMIT 1",
                 1, nullptr, params, nullptr, nullptr, 0),
    &PQclear};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error("reading email_outbox failed: " + std::string{PQerrorMessage(conn.get())});
  if (PQntuples(res.get()) != 1 || PQgetisnull(res.get(), 0, 0))
    throw std::runtime_error("no verify_email row in email_outbox for " + email);
  return PQgetvalue(res.get(), 0, 0);
}

// ---------------------------------------------------------------------------------------------
// JWTs

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string b64url_encode(const std::string& data) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64_alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0)
    out += b64_alphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::string b64url_decode(const std::string& data) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : data) {
    const char* p = std::strchr(b64_alphabet, c);
    if (!p || c == '\0')
      throw std::runtime_error("not base64url: " + data);
    acc = (acc << 6) | static_cast<uint32_t>(p - b64_alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return {reinterpret_cast<const char*>(mac), len};
}

std::string b64_encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string hex_encode(const std::string& data) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const std::string& secret) {
  std::string input = b64url_encode(header_json) + "." + b64url_encode(payload_json);
  return input + "." + b64url_encode(hmac_sha256(secret, input));
}

std::string jwt_payload(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    throw std::runtime_error("not a JWT: " + token);
  return b64url_decode(token.substr(first + 1, second - first - 1));
}


// ---------------------------------------------------------------------------------------------
// Catalog, cart and order helpers

namespace {
std::string run_unique_suffix() {
  static std::atomic<int> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  return std::to_string(getpid()) + "x" + std::to_string(++counter) + "x" + std::to_string(ms);
}
}  // namespace

std::string unique_tag(const std::string& prefix) { return prefix + run_unique_suffix(); }

std::string unique_sku(const std::string& prefix) {
  return (prefix + "-" + run_unique_suffix()).substr(0, 64);
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::string product_body(const std::string& name, const std::string& price, int quantity, const std::string& sku,
                         const std::string& description) {
  return "{\"name\":" + quote(name) + ",\"price\":" + price + ",\"quantity\":" + std::to_string(quantity) +
         ",\"sku\":" + quote(sku) + ",\"description\":" + quote(description) + "}";
}

int64_t create_product(client& c, const std::string& staff_token, const std::string& name, const std::string& price,
                       int quantity, const std::string& description) {
  auto r = c.post("/api/products/", product_body(name, price, quantity, unique_sku(), description), staff_token);
  auto id = r.status == 201 && r.is_json && r.json.IsObject() ? int_of(r.json, "id") : std::nullopt;
  if (!id)
    throw std::runtime_error("creating product " + name + " failed: " + r.describe());
  return *id;
}

int64_t stock_of(client& c, int64_t product_id) {
  auto r = c.get("/api/products/" + std::to_string(product_id) + "/");
  auto q = r.status == 200 && r.is_json && r.json.IsObject() ? int_of(r.json, "quantity") : std::nullopt;
  if (!q)
    throw std::runtime_error("reading the stock of product " + std::to_string(product_id) + " failed: " + r.describe());
  return *q;
}

std::string address_json(const std::string& city) {
  return R"({"first_name":"Ivan","last_name":"Petrov","street":"Tverskaya 1","city":)" + quote(city) +
         R"(,"postal_code":"125009"})";
}

std::string order_body(const std::vector<std::pair<int64_t, int>>& items) {
  std::string body = "{";
  if (!items.empty()) {
    body += "\"items\":[";
    for (size_t i = 0; i < items.size(); ++i)
      body += (i ? "," : "") + std::string{"{\"product_id\":"} + std::to_string(items[i].first) +
              ",\"quantity\":" + std::to_string(items[i].second) + "}";
    body += "],";
  }
  return body + "\"shipping_address\":" + address_json() + "}";
}

response post_with_key(client& c, const std::string& path, const std::string& body, const std::string& bearer,
                       const std::string& key) {
  request_options o;
  o.bearer = bearer;
  o.headers.push_back("Idempotency-Key: " + key);
  return c.request("POST", path, body, o);
}

double number_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return std::nan("");
  auto m = v.FindMember(key);
  return m != v.MemberEnd() && m->value.IsNumber() ? m->value.GetDouble() : std::nan("");
}

std::optional<int64_t> int_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return std::nullopt;
  auto m = v.FindMember(key);
  if (m == v.MemberEnd() || !m->value.IsInt64())
    return std::nullopt;
  return m->value.GetInt64();
}

std::set<std::string> keys_of(const rapidjson::Value& v) {
  std::set<std::string> out;
  if (v.IsObject())
    for (const auto& m : v.GetObject())
      out.insert(m.name.GetString());
  return out;
}

std::string string_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return "<missing>";
  auto m = v.FindMember(key);
  return m != v.MemberEnd() && m->value.IsString() ? m->value.GetString() : "<missing>";
}

// ---------------------------------------------------------------------------------------------
// The test database

std::optional<std::string> db_value(const std::string& sql, const std::vector<std::string>& params) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(test_database_url().c_str()), &PQfinish};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to TEST_DATABASE_URL: " + std::string{PQerrorMessage(conn.get())});
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> res{
    PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
    &PQclear};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error("query failed: " + sql + ": " + std::string{PQerrorMessage(conn.get())});
  if (PQntuples(res.get()) < 1 || PQnfields(res.get()) < 1 || PQgetisnull(res.get(), 0, 0))
    return std::nullopt;
  return std::string{PQgetvalue(res.get(), 0, 0)};
}

int64_t db_int(const std::string& sql, const std::vector<std::string>& params) {
  auto v = db_value(sql, params);
  if (!v)
    throw std::runtime_error("no value from: " + sql);
  return std::stoll(*v);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

void start_gate::arrive_and_wait() {
  std::unique_lock<std::mutex> lock{m_};
  ++arrived_;
  cv_.notify_all();
  cv_.wait(lock, [this] { return open_; });
}

void start_gate::wait_for_all() {
  std::unique_lock<std::mutex> lock{m_};
  cv_.wait(lock, [this] { return arrived_ >= expected_; });
}

void start_gate::open() {
  {
    std::lock_guard<std::mutex> lock{m_};
    open_ = true;
  }
  cv_.notify_all();
}

}  // namespace http_test

// ---------------------------------------------------------------------------------------------
// commerce-mock

namespace http_test {

std::string mock_binary_path() {
  const char* v = std::getenv("COMMERCE_MOCK");
  if (!v || !*v)
    throw std::runtime_error(
      "COMMERCE_MOCK is not set: these tests need the commerce-mock binary; run through scripts/test "
      "(CTest sets it) or export COMMERCE_MOCK=/work/main/build/commerce-mock");
  if (access(v, X_OK) != 0)
    throw std::runtime_error(std::string{"COMMERCE_MOCK="} + v + " is not an executable file");
  return v;
}

gateway_mock::gateway_mock(std::vector<std::string> extra_args) : args_(std::move(extra_args)) {
  mock_binary_path();  // fail before making the directory
  dir_ = make_temp_dir("http-tests-mock");
  log_path_ = dir_ + "/mock.log";
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt)
    if (launch(free_port(), last_error))
      return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  throw std::runtime_error("commerce-mock did not start: " + last_error);
}

gateway_mock::~gateway_mock() {
  stop();
  if (!std::getenv("HTTP_TESTS_KEEP_LOGS")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string gateway_mock::log() const { return read_file(log_path_); }

bool gateway_mock::running() { return process_ && process_->running(); }

int gateway_mock::stop() { return process_ ? process_->stop() : 0; }

bool gateway_mock::launch(int port, std::string& error) {
  std::vector<std::string> args{"--port", std::to_string(port), "--host", "127.0.0.1"};
  args.insert(args.end(), args_.begin(), args_.end());
  process_ = std::make_unique<child_process>(mock_binary_path(), args, inherited_environment(), log_path_);
  port_ = port;
  base_url_ = "http://127.0.0.1:" + std::to_string(port);
  client probe{base_url_};
  request_options quick;
  quick.timeout_ms = 1000;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      error = "it ended with " + describe_wait_status(process_->wait_status()) + " on port " + std::to_string(port) +
              "; log:\n" + tail_lines(log(), 20);
      return false;  // e.g. the port was taken meanwhile: the caller tries another
    }
    if (probe.request("PUT", "/mockserver/status", std::nullopt, quick).status == 200)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  stop();
  error = "PUT /mockserver/status did not answer 200 within 10 s; log:\n" + tail_lines(log(), 20);
  return false;
}

run_result run_mock_to_exit(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  return run_to_exit(exec_image{mock_binary_path(), args, inherited_environment()}, limit);
}

void gateway_mock::reset() {
  client c{base_url_};
  auto r = c.put("/mockserver/reset", "");
  if (r.status != 200)
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/reset -> " + r.describe());
}

void gateway_mock::expect(const std::string& expectation_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/expectation", expectation_json);
  if (r.status != 201)
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/expectation " + expectation_json + " -> " +
                             r.describe());
}

response gateway_mock::verify(const std::string& verification_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/verify", verification_json);
  r.request = "PUT " + base_url_ + "/mockserver/verify " + verification_json;
  return r;
}

response gateway_mock::verify_times(const std::string& http_request_json, int at_least, int at_most) {
  std::string times;
  if (at_least >= 0)
    times += "\"atLeast\":" + std::to_string(at_least);
  if (at_most >= 0)
    times += std::string{times.empty() ? "" : ","} + "\"atMost\":" + std::to_string(at_most);
  return verify("{\"httpRequest\":" + http_request_json + ",\"times\":{" + times + "}}");
}

rapidjson::Document gateway_mock::recorded_requests(const std::string& matcher_json) {
  client c{base_url_};
  auto r = c.put("/mockserver/retrieve?type=requests", matcher_json);
  if (r.status != 200 || !r.is_json || !r.json.IsArray())
    throw std::runtime_error("PUT " + base_url_ + "/mockserver/retrieve?type=requests " + matcher_json + " -> " +
                             r.describe());
  rapidjson::Document out;
  out.CopyFrom(r.json, out.GetAllocator());
  return out;
}

rapidjson::Document mock_request_body(const rapidjson::Value& recorded) {
  rapidjson::Document out;
  if (!recorded.IsObject())
    return out;
  auto body = recorded.FindMember("body");
  if (body == recorded.MemberEnd())
    return out;
  const auto& b = body->value;
  if (b.IsObject() && b.HasMember("type") && b["type"].IsString()) {
    std::string type = b["type"].GetString();
    auto inner = b.FindMember(type == "JSON" ? "json" : "string");
    if (inner == b.MemberEnd())
      return out;
    if (inner->value.IsString()) {
      out.Parse(inner->value.GetString(), inner->value.GetStringLength());
      if (out.HasParseError())
        out.SetNull();
    } else {
      out.CopyFrom(inner->value, out.GetAllocator());
    }
    return out;
  }
  if (b.IsString()) {  // a body recorded as text: JSON if it parses
    out.Parse(b.GetString(), b.GetStringLength());
    if (out.HasParseError())
      out.SetNull();
    return out;
  }
  out.CopyFrom(b, out.GetAllocator());
  return out;
}

std::vector<std::string> mock_request_header(const rapidjson::Value& recorded, const std::string& name) {
  std::vector<std::string> out;
  if (!recorded.IsObject())
    return out;
  auto m = recorded.FindMember("headers");
  if (m == recorded.MemberEnd())
    return out;
  auto same = [&](const char* s) { return !ci_less{}(s, name) && !ci_less{}(name, s); };
  auto add = [&](const rapidjson::Value& values) {
    if (values.IsArray()) {
      for (const auto& v : values.GetArray())
        if (v.IsString())
          out.emplace_back(v.GetString());
    } else if (values.IsString()) {
      out.emplace_back(values.GetString());
    }
  };
  if (m->value.IsObject()) {  // {"Name":["v"]}
    for (auto it = m->value.MemberBegin(); it != m->value.MemberEnd(); ++it)
      if (same(it->name.GetString()))
        add(it->value);
  } else if (m->value.IsArray()) {  // [{"name":"Name","values":["v"]}]
    for (const auto& e : m->value.GetArray())
      if (e.IsObject() && e.HasMember("name") && e["name"].IsString() && same(e["name"].GetString()) &&
          e.HasMember("values"))
        add(e["values"]);
  }
  return out;
}

std::string mock_request_text(const rapidjson::Value& recorded) {
  if (!recorded.IsObject() || !recorded.HasMember("body"))
    return "";
  const auto& b = recorded["body"];
  if (b.IsString())
    return b.GetString();
  if (b.IsObject() && b.HasMember("string") && b["string"].IsString())
    return b["string"].GetString();
  rapidjson::StringBuffer buf;  // a JSON body, recorded as JSON
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  b.Accept(w);
  return buf.GetString();
}

std::string mock_first_header(const rapidjson::Value& recorded, const std::string& name) {
  auto values = mock_request_header(recorded, name);
  return values.empty() ? "<none>" : values[0];
}

std::map<std::string, std::string> form_fields(const std::string& body) {
  auto decode = [](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start <= body.size()) {
    auto end = body.find('&', start);
    if (end == std::string::npos)
      end = body.size();
    auto pair = body.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      fields[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return fields;
}

std::string json_expectation(const std::string& method, const std::string& path, int status,
                             const std::string& body_text) {
  return R"({"httpRequest":{"method":")" + method + R"(","path":")" + path + R"("},"httpResponse":{"statusCode":)" +
         std::to_string(status) + R"(,"headers":{"Content-Type":["application/json"]},"body":)" + quote(body_text) +
         "}}";
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

void check_secret_hidden(const server_process& server, const std::string& secret) {
  BOOST_TEST(server.log().find(secret) == std::string::npos, "the secret appears in the server log");
  BOOST_TEST(db_int("SELECT count(*) FROM gateway_calls g WHERE strpos(g::text, $1) > 0", {secret}) == 0,
             "the secret appears in gateway_calls");
}

server_process::options gateway_server(const std::string& kind, const std::string& gateway_url,
                                       const std::string& email_url, const env_overrides& extra) {
  server_process::options o;
  o.env = {{kind + "_SERVICE_URL", gateway_url},
           {kind + "_MOCK_URL", std::nullopt},
           {"EMAIL_SERVICE_URL", email_url},
           {"EMAIL_MOCK_URL", std::nullopt},
           {"GATEWAY_TIMEOUT_MS", std::string{"1000"}}};
  for (const auto& [k, v] : extra)
    o.env[k] = v;
  return o;
}

void stop_cleanly(server_process& server, const std::string& what) {
  server.stop();
  BOOST_TEST((server.exit_code() == std::optional<int>{0}),
             what << " ended with " << server.exit_description() << " after SIGTERM; log tail:\n" << server.log_tail(30));
}

gateway_world::gateway_world(const std::string& kind, const std::string& provider, const std::string& url_suffix,
                             const env_overrides& settings, const std::string& tag, const std::string& price) {
  mail.expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/emails/send"},"httpResponse":{"statusCode":202,"body":{"id":"e1","status":"queued"}}})");
  env_overrides extra;
  if (!provider.empty())
    extra[kind + "_PROVIDER"] = provider;
  for (const auto& [k, v] : settings)
    extra[k] = v;
  server = std::make_unique<server_process>(gateway_server(kind, gateway.base_url() + url_suffix, mail.base_url(), extra));
  c = std::make_unique<client>(server->base_url());
  owner = new_account(*c, tag);
  auto staff = staff_account(*c);
  product = create_product(*c, staff.access, unique_tag(tag + " "), price, 100000);
}

int64_t gateway_world::new_order(int quantity) {
  auto r = c->post("/api/orders/", order_body({{product, quantity}}), owner.access);
  BOOST_TEST_REQUIRE(r.status == 201, r.describe());
  return int_of(r.json, "id").value_or(0);
}

response notifications_of(client& c, int64_t order_id, const std::string& bearer, size_t n,
                          std::chrono::milliseconds limit) {
  const auto path = "/api/notifications/order/" + std::to_string(order_id) + "/";
  response last;
  poll_until(
    [&] {
      last = c.get(path, bearer);
      return last.status == 200 && last.is_json && last.json.IsArray() && last.json.Size() >= n;
    },
    limit);
  return last;
}

bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit, std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace http_test
