// Token buckets against floods (password guessing, registration spam): one bucket per key
// (a client address, an account), each with its own rate and burst. With REDIS_URL the buckets
// live in Redis, so every node draws on the same ones (one Lua script per check, atomic, keys with
// a TTL, Redis's own clock); otherwise, and whenever Redis does not answer, in the process.
//
// Redis down means the in-process buckets, not "let everything through" nor "refuse everyone":
// a node keeps limiting with its own share of the budget, and an outage of a cache never locks
// every user out of their account.
#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace commerce::actors {

struct bucket_limit {
  double per_minute = 60;  ///< refill rate, tokens per minute (> 0)
  double burst = 10;       ///< capacity (>= 1)
};

struct rate_key {
  std::string key;  ///< e.g. "auth:address:203.0.113.7"
  bucket_limit limit;
};

/// In-process token buckets with bounded memory: at most `max_buckets`; past that, buckets that
/// have refilled (idle) go first, then the least recently used.
class token_buckets {
public:
  using clock = std::chrono::steady_clock;
  explicit token_buckets(size_t max_buckets = 100000) : max_(max_buckets) {}

  /// Takes one token from each bucket named in `keys` if every one has a token; otherwise takes
  /// none and returns how long until they all have one (> 0).
  std::chrono::milliseconds take(const std::vector<rate_key>& keys, clock::time_point now);
  size_t size() const { return buckets_.size(); }

private:
  struct bucket {
    double tokens = 0;
    clock::time_point updated;
    bucket_limit limit;
  };
  double refilled(const bucket& b, clock::time_point now) const;
  void make_room(clock::time_point now);

  size_t max_;
  std::unordered_map<std::string, bucket> buckets_;
};

/// Ask the limiter: may this request go on?
struct rate_check {
  std::vector<rate_key> keys;
};

/// 0: allowed (a token was taken from every bucket); otherwise the whole seconds to wait.
struct rate_verdict {
  int64_t retry_after_seconds = 0;
  bool allowed() const { return retry_after_seconds == 0; }
};

struct rate_limiter_deps {
  std::string redis_url;  ///< empty: in-process buckets only
  size_t redis_connections = 2;
  std::chrono::milliseconds redis_timeout{500};  ///< per Redis call; then the in-process buckets decide
  size_t max_local_buckets = 100000;
};

/// The limiter actor (answers rate_check with rate_verdict). Its Redis calls run on detached
/// workers of its own (one connection each), never on a scheduler thread; they stop with it.
caf::actor spawn_rate_limiter(caf::actor_system& sys, rate_limiter_deps deps);

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::rate_check)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::rate_verdict)
