#include "persistence/embedded_postgres.hpp"

#include "persistence/pg.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;

namespace commerce::persistence {

namespace {

constexpr const char* cluster_port = "5432";  // names the socket file; nothing listens on TCP
constexpr const char* database_name = "commerce";
constexpr const char* superuser = "commerce";

struct os_user {
  uid_t uid;
  gid_t gid;
  std::string name;
};

/// PostgreSQL refuses to run as root, so root hands the cluster to an unprivileged user.
std::optional<os_user> unprivileged_user() {
  if (geteuid() != 0)
    return std::nullopt;
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = getpwnam(name))
      return os_user{pw->pw_uid, pw->pw_gid, name};
  }
  throw std::runtime_error("running as root, but neither the 'postgres' nor the 'nobody' user exists "
                           "to own the embedded PostgreSQL cluster");
}

/// Runs argv (as `user` when given), waits, and returns the exit status; output goes to `log`.
int run(const std::vector<std::string>& argv, const std::optional<os_user>& user, const std::string& log) {
  // Everything the child needs is prepared before fork(): only async-signal-safe calls after it.
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed while managing the embedded PostgreSQL");
  if (pid == 0) {
    // A session of its own: Ctrl-C in the terminal signals our process group, and the
    // postmaster must outlive it until we have drained requests and stop it ourselves.
    setsid();
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
      dup2(devnull, STDIN_FILENO);
    if (user) {
      if (setgroups(0, nullptr) != 0 || setgid(user->gid) != 0 || setuid(user->uid) != 0)
        _exit(126);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string last_lines(const std::string& path, size_t n = 3) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

/// Whether `user` may search (enter) `dir`, judged by its owner, group and mode bits.
bool can_enter(const fs::path& dir, const os_user& user) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0)
    return true;  // does not exist yet: we create it and hand it over
  if (st.st_uid == user.uid)
    return (st.st_mode & S_IXUSR) != 0;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0)
    count = 0;
  groups.resize(static_cast<size_t>(std::max(count, 0)));
  bool in_group = st.st_gid == user.gid || std::find(groups.begin(), groups.end(), st.st_gid) != groups.end();
  return (st.st_mode & (in_group ? S_IXGRP : S_IXOTH)) != 0;
}

/// As root the cluster runs as `user`, who must be able to walk down to the data directory;
/// we do not loosen the operator's directories ourselves, we say which one stops it.
void check_reachable(const fs::path& root, const os_user& user) {
  fs::path walked;
  for (const auto& part : root) {
    walked /= part;
    if (!can_enter(walked, user)) {
      struct stat st {};
      stat(walked.c_str(), &st);
      const passwd* owner = getpwuid(st.st_uid);
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      throw data_dir_error("DATA_DIR " + root.string() + " is out of reach of the '" + user.name +
                           "' user that runs the embedded PostgreSQL as root: " + walked.string() + " (owner " +
                           (owner ? owner->pw_name : std::to_string(st.st_uid)) + ", mode " + mode +
                           ") must let it in (e.g. chmod o+x " + walked.string() +
                           "), or set DATA_DIR to a directory it can reach");
    }
  }
}

void hand_over(const fs::path& dir, const std::optional<os_user>& user, fs::perms mode) {
  fs::create_directories(dir);
  fs::permissions(dir, mode);
  if (user && chown(dir.c_str(), user->uid, user->gid) != 0)
    throw std::runtime_error("cannot give " + dir.string() + " to user " + user->name);
}

}  // namespace

std::string find_postgres_bin_dir() {
  if (const char* env = std::getenv("PG_BIN_DIR"); env && *env)
    return fs::exists(fs::path{env} / "pg_ctl") ? env : "";
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator{"/usr/lib/postgresql", ec}) {
    auto bin = entry.path() / "bin";
    if (!fs::exists(bin / "pg_ctl") || !fs::exists(bin / "initdb") || !fs::exists(bin / "postgres"))
      continue;
    int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  return best;
}

embedded_postgres::embedded_postgres(const std::string& data_dir) {
  bin_dir_ = find_postgres_bin_dir();
  if (bin_dir_.empty())
    throw std::runtime_error("no PostgreSQL server found for the embedded database: install it with "
                             "'apt-get install postgresql' (or set DATABASE_URL to an existing server)");
  auto user = unprivileged_user();
  fs::path root = fs::absolute(data_dir).lexically_normal();
  if (user)
    check_reachable(root, *user);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec)
    throw std::runtime_error("cannot create data directory " + root.string() + ": " + ec.message());
  cluster_dir_ = (root / "postgres").string();
  socket_dir_ = (root / "run").string();
  if (socket_dir_.size() > 90)
    throw std::runtime_error("data directory path too long for a unix socket: " + root.string());
  // The socket's directory is the access control: only its owner (the cluster's user) and root
  // may enter it, so no other OS user reaches the socket (the cluster trusts local connections).
  hand_over(socket_dir_, user, fs::perms::owner_all);
  std::string log = socket_dir_ + "/postgres.log";
  {
    // The log is opened by the child after it dropped privileges, so it must be theirs.
    std::ofstream touch{log, std::ios::app};
    if (user && chown(log.c_str(), user->uid, user->gid) != 0)
      throw std::runtime_error("cannot prepare " + log);
  }

  if (!fs::exists(fs::path{cluster_dir_} / "PG_VERSION")) {
    hand_over(cluster_dir_, user, fs::perms::owner_all);
    spdlog::info("creating the embedded PostgreSQL cluster in {}", cluster_dir_);
    int rc = run({bin_dir_ + "/initdb", "-D", cluster_dir_, "-U", superuser, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync"},
                 user, log);
    if (rc != 0)
      throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + ") for " + cluster_dir_ +
                               (user ? " as user " + user->name : std::string{}) + ": " + last_lines(log));
  }

  // A cluster left running by a crashed run of ours is adopted rather than fought over.
  bool already_running = run({bin_dir_ + "/pg_ctl", "-D", cluster_dir_, "status"}, user, log) == 0;
  if (!already_running) {
    std::string options = "-k " + socket_dir_ + " -p " + cluster_port +
                          " -c listen_addresses='' -c max_connections=200 -c unix_socket_permissions=0700";
    int rc = run({bin_dir_ + "/pg_ctl", "-D", cluster_dir_, "-l", log, "-w", "-t", "60", "-o", options, "start"},
                 user, log);
    if (rc != 0)
      throw std::runtime_error("the embedded PostgreSQL did not start (see " + log + "): " + last_lines(log));
  } else {
    spdlog::warn("adopting the embedded PostgreSQL left running in {}", cluster_dir_);
  }
  running_ = true;

  std::string base = "host=" + socket_dir_ + " port=" + cluster_port + " user=" + superuser;
  {
    pg::connection admin{base + " dbname=postgres"};
    auto exists = admin.exec("SELECT 1 FROM pg_database WHERE datname = $1", {std::string{database_name}});
    if (exists.empty())
      admin.exec(std::string{"CREATE DATABASE "} + database_name);
  }
  conninfo_ = base + " dbname=" + database_name;
}

void embedded_postgres::stop() {
  if (!running_)
    return;
  running_ = false;
  auto user = unprivileged_user();
  int rc = run({bin_dir_ + "/pg_ctl", "-D", cluster_dir_, "-m", "fast", "-w", "stop"}, user,
               socket_dir_ + "/postgres.log");
  if (rc != 0)
    spdlog::error("the embedded PostgreSQL did not stop cleanly (pg_ctl exit {})", rc);
  else
    spdlog::info("embedded PostgreSQL stopped");
}

embedded_postgres::~embedded_postgres() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("stopping the embedded PostgreSQL: {}", e.what());
  }
}

}  // namespace commerce::persistence
