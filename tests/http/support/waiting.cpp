#include "tests/http/support/waiting.hpp"

#include <thread>

namespace http_test {

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
