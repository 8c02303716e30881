#include "persistence/pg_pool.hpp"

#include <spdlog/spdlog.h>

namespace commerce::pg {

std::shared_ptr<pool> pool::open(std::string conninfo, size_t size, std::chrono::milliseconds statement_timeout) {
  std::shared_ptr<pool> p{new pool(std::move(conninfo), size)};
  for (size_t i = 0; i < size; ++i)
    p->idle_.push_back(std::make_unique<connection>(p->conninfo_, statement_timeout));
  return p;
}

pool::lease pool::acquire(std::chrono::milliseconds timeout) {
  auto started = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> guard{mtx_};
  bool got = available_.wait_for(guard, timeout, [this] { return !idle_.empty(); });
  std::unique_ptr<connection> c;
  if (got) {
    c = std::move(idle_.front());
    idle_.pop_front();
  }
  guard.unlock();
  if (on_wait_)  // outside the pool's lock
    on_wait_(std::chrono::steady_clock::now() - started, !got);
  if (!got)
    throw error("database connection pool exhausted", "");
  if (!c->ok()) {
    c->reset();
    if (!c->ok()) {
      give_back(std::move(c));
      throw error("database connection lost", "");
    }
  }
  return lease{shared_from_this(), std::move(c)};
}

size_t pool::idle() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return idle_.size();
}

void pool::give_back(std::unique_ptr<connection> c) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    idle_.push_back(std::move(c));
  }
  available_.notify_one();
}

pool::lease::~lease() {
  if (!conn_ || !owner_)
    return;
  try {
    conn_->drop_pending_begin();  // never carried into the next lease's statements
    if (conn_->ok() && !conn_->idle())
      conn_->exec_script("ROLLBACK");
    if (!conn_->ok())
      conn_->reset();
  } catch (const std::exception& e) {
    spdlog::warn("returning a dirty connection: {}", e.what());
  }
  owner_->give_back(std::move(conn_));
}

}  // namespace commerce::pg
