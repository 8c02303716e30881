// A synchronous hiredis connection (one per thread; hiredis contexts are not thread-safe).
// REDIS_URL forms: redis://[:password@]host[:port][/db] and unix:///path/to/redis.sock.
#pragma once

#include <chrono>
#include <memory>
#include <string>

struct redisContext;

namespace commerce::persistence {

struct redis_endpoint {
  std::string host;  ///< empty when `socket_path` is used
  int port = 6379;
  std::string socket_path;
  std::string password;
  int database = 0;
};

/// Parses REDIS_URL; throws std::invalid_argument with the reason.
redis_endpoint parse_redis_url(const std::string& url);

class redis_client {
public:
  /// Connects (and AUTH/SELECT as the URL says) or throws std::runtime_error.
  explicit redis_client(const redis_endpoint& where,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  ~redis_client();
  redis_client(redis_client&&) noexcept;
  redis_client& operator=(redis_client&&) noexcept;

  /// True when the server answers PONG.
  bool ping();

private:
  struct context_deleter {
    void operator()(redisContext* c) const;
  };
  std::unique_ptr<redisContext, context_deleter> ctx_;
};

}  // namespace commerce::persistence
