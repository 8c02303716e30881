#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

namespace integration_runner {
namespace {

using clock_type = std::chrono::steady_clock;

class file_descriptor {
 public:
  explicit file_descriptor(int fd = -1) : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  file_descriptor(file_descriptor&& other) noexcept : fd_(other.release()) {}
  file_descriptor& operator=(file_descriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~file_descriptor() { reset(); }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct pipe_pair {
  file_descriptor read_end, write_end;
};

pipe_pair make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  return {file_descriptor(fds[0]), file_descriptor(fds[1])};
}

// SIGINT/SIGTERM blocked while the guard lives and readable through a signalfd; restored after.
class interrupt_watch {
 public:
  interrupt_watch() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, &previous_);
    fd_ = file_descriptor(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~interrupt_watch() {
    consume();  // one that came while the child was being stopped
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  void consume() {
    signalfd_siginfo info;
    while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    }
  }
  int fd() const { return fd_.get(); }
  const sigset_t& previous_mask() const { return previous_; }

 private:
  sigset_t previous_{};
  file_descriptor fd_;
};

std::vector<std::string> environment_strings(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

// Stops the whole group: SIGTERM, a grace period, then SIGKILL.
void stop_group(pid_t group, int& status, bool& reaped) {
  ::kill(-group, SIGTERM);
  const auto deadline = clock_type::now() + std::chrono::seconds(3);
  while (clock_type::now() < deadline) {
    if (::waitpid(group, &status, WNOHANG) == group) {
      reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-group, SIGKILL);  // the leader may be gone while others of its group linger
  if (!reaped && ::waitpid(group, &status, 0) == group) reaped = true;
}

}  // namespace

child_outcome run_child(const child_spec& spec) {
  child_outcome outcome;
  if (spec.argv.empty()) throw std::invalid_argument("run_child: no program");
  interrupt_watch interrupts;
  auto out_pipe = make_pipe();
  auto err_pipe = make_pipe();

  std::vector<std::string> env_strings = environment_strings(spec.env);
  std::vector<char*> argv, envp;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  for (auto& entry : env_strings) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  auto exec_error = make_pipe();  // closed on exec: a byte on it means exec failed

  const auto started = clock_type::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::pthread_sigmask(SIG_SETMASK, &interrupts.previous_mask(), nullptr);
    ::dup2(out_pipe.write_end.get(), STDOUT_FILENO);
    ::dup2(err_pipe.write_end.get(), STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    const int error = errno;
    (void)!::write(exec_error.write_end.get(), &error, sizeof error);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides set it, so it holds before either goes on
  out_pipe.write_end.reset();
  err_pipe.write_end.reset();
  exec_error.write_end.reset();
  int exec_errno = 0;
  if (::read(exec_error.read_end.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    outcome.start_error = std::string("cannot run ") + spec.argv[0] + ": " + std::strerror(exec_errno);
    return outcome;
  }
  outcome.started = true;

  const auto deadline = started + spec.timeout;
  std::string line_buffer;
  bool out_open = true, err_open = true;
  auto deliver_lines = [&](bool flush_all) {
    std::size_t start = 0, newline;
    while ((newline = line_buffer.find('\n', start)) != std::string::npos) {
      if (spec.on_stdout_line) spec.on_stdout_line(line_buffer.substr(start, newline - start));
      start = newline + 1;
    }
    line_buffer.erase(0, start);
    if (flush_all && !line_buffer.empty()) {
      if (spec.on_stdout_line) spec.on_stdout_line(line_buffer);
      line_buffer.clear();
    }
  };
  char chunk[65536];
  int status = 0;
  bool reaped = false;
  // A grandchild may keep the pipes open after the program itself ended: read on only briefly then.
  std::optional<clock_type::time_point> drain_until;
  while (out_open || err_open) {
    const auto now = clock_type::now();
    if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      drain_until = now + std::chrono::milliseconds(500);
    }
    if (drain_until && now >= *drain_until) break;
    if (!reaped && now >= deadline) {
      outcome.timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_open ? out_pipe.read_end.get() : -1, POLLIN, 0},
                     {err_open ? err_pipe.read_end.get() : -1, POLLIN, 0},
                     {interrupts.fd(), POLLIN, 0}};
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    const int ready = ::poll(fds, 3, static_cast<int>(std::min<long long>(wait_ms + 1, 200)));
    if (ready < 0 && errno != EINTR) break;
    if (fds[2].revents & POLLIN) {
      interrupts.consume();  // read it, or it would be delivered (and kill us) when the mask is restored
      outcome.interrupted = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      if (i == 0) {
        outcome.stdout_text.append(chunk, static_cast<std::size_t>(n));
        line_buffer.append(chunk, static_cast<std::size_t>(n));
        deliver_lines(false);
      } else {
        outcome.stderr_text.append(chunk, static_cast<std::size_t>(n));
      }
    }
  }
  deliver_lines(true);

  if (outcome.timed_out || outcome.interrupted) {
    stop_group(pid, status, reaped);
  } else {
    // Both pipes closed: the program ended (or closed them); wait for it within what is left.
    while (!reaped) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        break;
      }
      if (clock_type::now() >= deadline) {
        outcome.timed_out = true;
        stop_group(pid, status, reaped);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid, SIGKILL);  // nothing of the category may outlive it
  }
  outcome.duration_seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  if (reaped && !outcome.timed_out && !outcome.interrupted) {
    if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

child_outcome run_child_collecting(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                   std::chrono::milliseconds timeout) {
  child_spec spec;
  spec.argv = argv;
  spec.env = env;
  spec.timeout = timeout;
  return run_child(spec);
}

}  // namespace integration_runner
