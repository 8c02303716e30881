// commerce-mock's HTTP side: the MockServer control plane (PUT /mockserver/...) and the data
// plane that answers from expectations, on Pistache.
#pragma once

#include "integrations/mock/mock_state.hpp"

#include <memory>
#include <string>

namespace Pistache::Http {
class Endpoint;
}

namespace commerce::http {
class write_queue_waker;
}

namespace commerce::mock {

class delayed_replies;

class mock_server {
public:
  mock_server(std::string host, uint16_t port, int threads, mock_limits limits = {});
  ~mock_server();

  /// Loads expectations (one object or an array, MockServer's format); throws bad_request.
  void load_stubs(const std::string& json_text);
  /// Binds and serves on background threads; throws std::runtime_error if it cannot bind.
  void start();
  /// Drops pending delayed replies, then stops Pistache (open keep-alive connections are closed).
  void stop();
  mock_state& state() { return *state_; }

private:
  std::string host_;
  uint16_t port_;
  int threads_;
  size_t max_request_bytes_;
  std::shared_ptr<mock_state> state_;
  std::shared_ptr<delayed_replies> delays_;
  std::shared_ptr<http::write_queue_waker> waker_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace commerce::mock
