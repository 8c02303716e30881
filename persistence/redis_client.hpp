// A synchronous hiredis connection (one per thread; hiredis contexts are not thread-safe).
// REDIS_URL forms: redis://[[user]:password@]host[:port][/db] (read by libcurl's URL parser:
// [::1] hosts, percent-encoded passwords) and unix:///path/to/redis.sock.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct redisContext;

namespace commerce::persistence {

struct redis_endpoint {
  std::string host;  ///< empty when `socket_path` is used
  int port = 6379;
  std::string socket_path;
  std::string user;  ///< a Redis 6 ACL user: AUTH user password; empty: AUTH password
  std::string password;
  int database = 0;
};

/// A Redis reply as a value (copied out of hiredis' reply, which is freed at once).
struct redis_reply {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  long long integer = 0;
  std::string text;  ///< string, status and error replies
  std::vector<redis_reply> elements;

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
  bool is_array() const { return type == kind::array; }
  bool is_text() const { return type == kind::string || type == kind::status; }
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

  /// Runs one command; each word travels with its length (redisCommandArgv), never through a
  /// format string. An error reply is returned (kind::error); an I/O error throws
  /// std::runtime_error and leaves the connection unusable.
  redis_reply command(const std::vector<std::string>& words);

  /// Runs a Lua script atomically (EVALSHA, loading it again when the server does not know it)
  /// and returns its reply. Throws std::runtime_error on an I/O error or an error reply.
  redis_reply eval(const std::string& script, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args);

  /// Runs a Lua script atomically and returns its integer reply: EVALSHA with the SHA-1 that
  /// SCRIPT LOAD gave this connection, loading it (again) when the server does not know it. Throws
  /// std::runtime_error on an I/O error (the connection is then unusable), an error reply or a
  /// non-integer reply.
  long long eval_integer(const std::string& script, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args);
  /// False once an I/O error has broken the connection.
  bool usable() const;

private:
  struct context_deleter {
    void operator()(redisContext* c) const;
  };
  std::unique_ptr<redisContext, context_deleter> ctx_;
  std::map<std::string, std::string> script_shas_;  ///< script text -> SHA-1 from SCRIPT LOAD
};

}  // namespace commerce::persistence
