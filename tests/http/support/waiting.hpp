// Test support: waiting: a gate that releases many threads at once, and polling until a
// condition holds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace http_test {

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

/// Calls `done` every `every` until it returns true or `limit` has passed; its last result.
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));

}  // namespace http_test
