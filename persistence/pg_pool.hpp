// A bounded pool of PostgreSQL connections shared by the blocking worker threads.
// A lease returns its connection on destruction, rolled back and reset if it was left dirty.
#pragma once

#include "persistence/pg.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace commerce::pg {

class pool : public std::enable_shared_from_this<pool> {
public:
  class lease {
  public:
    lease(std::shared_ptr<pool> owner, std::unique_ptr<connection> c)
      : owner_(std::move(owner)), conn_(std::move(c)) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) noexcept = default;
    ~lease();
    connection& operator*() { return *conn_; }
    connection* operator->() { return conn_.get(); }

  private:
    std::shared_ptr<pool> owner_;
    std::unique_ptr<connection> conn_;
  };

  /// Opens `size` connections eagerly, so a wrong DATABASE_URL fails at start-up. Each has
  /// `statement_timeout` (0: none), so no request holds a connection for longer.
  static std::shared_ptr<pool> open(std::string conninfo, size_t size,
                                    std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));

  /// Waits up to `timeout` for a free connection; throws pg::error("pool exhausted").
  lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  size_t size() const { return size_; }
  /// Connections not leased right now.
  size_t idle() const;
  /// Called after every acquire with how long it waited and whether it gave up (metrics).
  /// Set it before the pool is shared with other threads.
  using wait_observer = std::function<void(std::chrono::nanoseconds waited, bool timed_out)>;
  void observe_waits(wait_observer o) { on_wait_ = std::move(o); }
  const std::string& conninfo() const { return conninfo_; }

private:
  pool(std::string conninfo, size_t size) : conninfo_(std::move(conninfo)), size_(size) {}
  void give_back(std::unique_ptr<connection> c);

  std::string conninfo_;
  size_t size_;
  wait_observer on_wait_;
  mutable std::mutex mtx_;
  std::condition_variable available_;
  std::deque<std::unique_ptr<connection>> idle_;
};

}  // namespace commerce::pg
