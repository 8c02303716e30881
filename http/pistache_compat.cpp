#include "http/pistache_compat.hpp"

#include <pistache/transport.h>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace commerce::http {

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

}  // namespace

write_queue_waker::write_queue_waker(int io_threads, std::chrono::milliseconds tick, std::chrono::milliseconds linger)
  : tick_(tick),
    linger_(linger),
    capacity_(std::max(io_threads, 1)),
    slots_(std::make_unique<watched[]>(static_cast<size_t>(capacity_))),
    thread_([this] { run(); }) {}

write_queue_waker::~write_queue_waker() { stop(); }

void write_queue_waker::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_.store(true);
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

write_queue_waker::watched* write_queue_waker::slot_of(Pistache::Tcp::Transport* transport) {
  auto find = [&]() -> watched* {
    for (int i = 0, n = used_.load(); i < n; ++i)
      if (slots_[i].transport.load(std::memory_order_relaxed) == transport)
        return &slots_[i];
    return nullptr;
  };
  if (auto* s = find())
    return s;
  // An I/O thread's first response: registered once, under the lock.
  std::lock_guard<std::mutex> guard{mutex_};
  if (auto* s = find())
    return s;
  if (used_.load() == capacity_) {
    spdlog::error("write_queue_waker: more I/O threads than the {} it was made for", capacity_);
    return nullptr;
  }
  auto& s = slots_[used_.load()];
  s.transport.store(transport);
  used_.fetch_add(1);  // publishes the slot after its transport is set
  return &s;
}

void write_queue_waker::wrote(Pistache::Tcp::Transport* transport) {
  if (!transport || stopping_.load(std::memory_order_relaxed))
    return;
  auto* s = slot_of(transport);
  if (!s)
    return;
  s->last_write_ns.store(now_ns());
  // Both seq_cst: either the thread's re-check before sleeping sees this write, or this sees it
  // asleep and wakes it.
  if (sleeping_.load()) {
    std::lock_guard<std::mutex> guard{mutex_};
    sleeping_.store(false);
    cv_.notify_one();
  }
}

bool write_queue_waker::wake_recent() {
  bool recent = false;
  auto cutoff = now_ns() - linger_.count();
  for (int i = 0, n = used_.load(); i < n; ++i) {
    auto& s = slots_[i];
    if (s.last_write_ns.load() < cutoff)
      continue;
    recent = true;
    // fd -1 is never a peer: the I/O thread wakes, drains its write queue (sending whatever was
    // stranded there) and drops this entry. Its promise is never settled; nobody waits on it.
    (void)s.transport.load()->asyncWrite(-1, Pistache::RawBuffer{});
    wakes_.fetch_add(1, std::memory_order_relaxed);
  }
  return recent;
}

void write_queue_waker::run() {
  std::unique_lock<std::mutex> lock{mutex_};
  while (!stopping_.load()) {
    lock.unlock();
    bool recent = wake_recent();
    lock.lock();
    if (recent) {
      sleeping_.store(false);
      cv_.wait_for(lock, tick_, [this] { return stopping_.load(); });
    } else if (!sleeping_.load()) {
      // Announce the sleep, then look once more: a response queued before wrote() could see
      // the announcement is found by that look (both seq_cst).
      sleeping_.store(true);
    } else {
      cv_.wait(lock, [this] { return stopping_.load() || !sleeping_.load(); });
    }
  }
}

}  // namespace commerce::http
