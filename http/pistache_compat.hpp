// Workarounds for Pistache 0.0.5 shared by every Pistache server we run (commerce-server's
// front door and commerce-mock), see TECH-NOTES §3.
#pragma once

#include <pistache/http.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace Pistache::Tcp {
class Transport;
}

namespace commerce::http {

/// A response header with a run-time name. Pistache 0.0.5 writes only typed headers and
/// silently drops addRaw() ones, so X-Request-ID, WWW-Authenticate, Allow or a mock's headers
/// go through this.
class named_header final : public Pistache::Http::Header::Header {
public:
  named_header(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return Pistache::Http::Header::detail::hash(name_.c_str()); }
#endif

private:
  std::string name_;
  std::string value_;
};

/// Pistache answers an HTTP/1.1 request without a Connection header with "Connection: close",
/// which makes clients reconnect every time (4.6x less throughput). Call before sending.
inline bool needs_keep_alive_fix(const Pistache::Http::Request& req) {
  return req.version() == Pistache::Http::Version::Http11 && !req.headers().has<Pistache::Http::Header::Connection>();
}
inline void apply_keep_alive_fix(Pistache::Http::ResponseWriter& rw) {
  rw.headers().remove<Pistache::Http::Header::Connection>();
  rw.headers().add<Pistache::Http::Header::Connection>(Pistache::Http::ConnectionControl::KeepAlive);
}

/// Pistache 0.0.5 can strand a response sent from a thread other than its connection's I/O
/// thread (our actors; the mock's timer). Its write queue's pop() empties the queue's eventfd
/// after finding the queue empty, so a response queued between the two loses its wake-up and
/// waits until the next response is queued for that I/O thread; a client with nobody else on
/// that thread waits until it gives up (seen in CI: 2 GETs out of 10,000 timed out after 20 s).
/// Pistache fixed pop() after 0.0.5; Debian 12 ships 0.0.5.
/// The waker queues an empty write for no connection (fd -1, which the I/O thread drops after
/// waking) on every I/O thread that was handed a response in the last `linger`, once per
/// `tick`: a stranded response leaves within about a tick. Idle, its thread sleeps.
class write_queue_waker {
public:
  /// `io_threads`: the endpoint's thread count (one transport each).
  write_queue_waker(int io_threads, std::chrono::milliseconds tick = std::chrono::milliseconds(5),
                    std::chrono::milliseconds linger = std::chrono::milliseconds(50));
  ~write_queue_waker();
  write_queue_waker(const write_queue_waker&) = delete;
  write_queue_waker& operator=(const write_queue_waker&) = delete;

  /// A response was just queued on `transport` (any thread; a few atomics).
  void wrote(Pistache::Tcp::Transport* transport);
  /// Ends the thread; later wrote() calls do nothing. Call before the endpoint's transports go.
  void stop();
  /// Empty writes queued so far (tests).
  int64_t wakes() const { return wakes_.load(); }

private:
  struct watched {
    std::atomic<Pistache::Tcp::Transport*> transport{nullptr};
    std::atomic<int64_t> last_write_ns{0};
  };
  watched* slot_of(Pistache::Tcp::Transport* transport);
  /// Wakes every transport written to within `linger_`; true if there was one.
  bool wake_recent();
  void run();

  const std::chrono::nanoseconds tick_;
  const std::chrono::nanoseconds linger_;
  const int capacity_;
  std::unique_ptr<watched[]> slots_;
  std::atomic<int> used_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> wakes_{0};
  std::mutex mutex_;  ///< slot registration and the thread's sleep
  std::condition_variable cv_;
  std::thread thread_;
};

/// What a response sent off its connection's I/O thread tells the waker once it is queued.
struct io_thread_wake {
  std::shared_ptr<write_queue_waker> waker;
  Pistache::Tcp::Transport* transport = nullptr;  ///< the connection's; lives as long as the endpoint
  void after_send() const {
    if (waker)
      waker->wrote(transport);
  }
};

}  // namespace commerce::http
