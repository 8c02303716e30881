#include "actors/rate_limiter.hpp"

#include "actors/crypto.hpp"
#include "persistence/redis_client.hpp"

#include <caf/actor_pool.hpp>
#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace commerce::actors {

namespace {

using clock = std::chrono::steady_clock;

double per_ms(const bucket_limit& l) { return l.per_minute / 60000.0; }

/// The milliseconds until a bucket holding `tokens` has one (0 when it has one now).
int64_t wait_ms(double tokens, const bucket_limit& l) {
  return tokens >= 1 ? 0 : static_cast<int64_t>(std::ceil((1 - tokens) / per_ms(l)));
}

// The same buckets as token_buckets, in Redis: KEYS are the buckets, ARGV holds a rate (per
// minute) and a burst per key. Redis's clock (TIME) serves every node, so the nodes' clocks
// need not agree. Returns 0 after taking a token from every bucket, else the milliseconds until
// all have one (and takes nothing). A key expires once its bucket would be full again anyway.
constexpr const char* bucket_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait, have = 0, {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1]) / 60000
  local burst = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  have[i] = tokens
  if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) / rate)) end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1]) / 60000
  local burst = tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', tostring(have[i] - 1), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
end
return 0
)lua";

/// One Redis connection on its own thread. After a failure it answers errors at once for a
/// second instead of reconnecting on every check, so an outage costs no request a timeout.
struct redis_worker_state {
  static inline const char* name = "rate_limit_redis";
  std::optional<persistence::redis_client> redis;
  clock::time_point down_until;
};

caf::behavior redis_worker(caf::stateful_actor<redis_worker_state>* self, persistence::redis_endpoint where,
                           std::chrono::milliseconds timeout) {
  return {
    [=](const rate_check& check) -> caf::result<int64_t> {
      auto& st = self->state;
      if (clock::now() < st.down_until)
        return caf::make_error(caf::sec::runtime_error, std::string{"Redis recently failed"});
      try {
        if (!st.redis || !st.redis->usable())
          st.redis.emplace(where, timeout);
        std::vector<std::string> keys, args;
        for (const auto& k : check.keys) {
          keys.push_back("rate:" + k.key);
          args.push_back(std::to_string(k.limit.per_minute));
          args.push_back(std::to_string(k.limit.burst));
        }
        return static_cast<int64_t>(st.redis->eval_integer(bucket_script, keys, args));
      } catch (const std::exception& e) {
        st.redis.reset();
        st.down_until = clock::now() + std::chrono::seconds(1);
        return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
      }
    },
  };
}

struct limiter_state {
  static inline const char* name = "rate_limiter";
  token_buckets local;
  clock::time_point last_warning;
};

/// Keys carry client input (an e-mail of up to a whole body): a long one is stored under its
/// SHA-256, so a bucket costs a bounded number of bytes here and in Redis.
rate_check with_bounded_keys(rate_check check) {
  constexpr size_t longest = 200;
  for (auto& k : check.keys)
    if (k.key.size() > longest)
      k.key = k.key.substr(0, 64) + "#" + crypto::sha256_hex(k.key);
  return check;
}

rate_verdict verdict_of(int64_t wait) {
  return rate_verdict{wait <= 0 ? 0 : std::max<int64_t>(1, (wait + 999) / 1000)};
}

caf::behavior rate_limiter(caf::stateful_actor<limiter_state>* self, rate_limiter_deps d, caf::actor redis_workers) {
  self->state.local = token_buckets{d.max_local_buckets};
  if (redis_workers)
    self->attach_functor([redis_workers] { caf::anon_send_exit(redis_workers, caf::exit_reason::user_shutdown); });
  auto decide_here = [self](const rate_check& check) {
    return verdict_of(self->state.local.take(check.keys, clock::now()).count());
  };
  return {
    [=](const rate_check& asked) -> caf::result<rate_verdict> {
      auto check = with_bounded_keys(asked);
      if (!redis_workers)
        return decide_here(check);
      auto rp = self->make_response_promise<rate_verdict>();
      self->request(redis_workers, d.redis_timeout * 2, check)
        .then([=](int64_t wait) mutable { rp.deliver(verdict_of(wait)); },
              [=](caf::error& e) mutable {
                auto now = clock::now();
                if (now - self->state.last_warning > std::chrono::seconds(10)) {
                  self->state.last_warning = now;
                  spdlog::warn("rate limits: Redis failed ({}); using this node's own buckets meanwhile", to_string(e));
                }
                rp.deliver(decide_here(check));
              });
      return rp;
    },
  };
}

}  // namespace

double token_buckets::refilled(const bucket& b, clock::time_point now) const {
  auto elapsed = std::chrono::duration<double, std::milli>(now - b.updated).count();
  return std::min(b.limit.burst, b.tokens + std::max(0.0, elapsed) * per_ms(b.limit));
}

void token_buckets::make_room(clock::time_point now) {
  // Full buckets carry no information: dropping them changes no decision.
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = refilled(it->second, now) >= it->second.limit.burst ? buckets_.erase(it) : std::next(it);
  if (buckets_.size() < max_)
    return;
  // Still full of active buckets: forget the least recently used eighth.
  std::vector<std::pair<clock::time_point, std::string>> by_age;
  by_age.reserve(buckets_.size());
  for (const auto& [key, b] : buckets_)
    by_age.emplace_back(b.updated, key);
  auto cut = by_age.begin() + static_cast<std::ptrdiff_t>(std::max<size_t>(1, by_age.size() / 8));
  std::nth_element(by_age.begin(), cut, by_age.end());
  for (auto it = by_age.begin(); it != cut; ++it)
    buckets_.erase(it->second);
}

std::chrono::milliseconds token_buckets::take(const std::vector<rate_key>& keys, clock::time_point now) {
  int64_t wait = 0;
  std::vector<double> have;
  for (const auto& k : keys) {
    auto it = buckets_.find(k.key);
    double tokens = it == buckets_.end() ? k.limit.burst : refilled(it->second, now);
    have.push_back(tokens);
    wait = std::max(wait, wait_ms(tokens, k.limit));
  }
  if (wait > 0)
    return std::chrono::milliseconds(wait);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!buckets_.count(keys[i].key) && buckets_.size() >= max_)
      make_room(now);
    buckets_[keys[i].key] = bucket{have[i] - 1, now, keys[i].limit};
  }
  return std::chrono::milliseconds(0);
}

caf::actor spawn_rate_limiter(caf::actor_system& sys, rate_limiter_deps deps) {
  caf::actor redis_workers;
  if (!deps.redis_url.empty()) {
    auto where = persistence::parse_redis_url(deps.redis_url);
    auto timeout = deps.redis_timeout;
    auto factory = [&sys, where, timeout] { return sys.spawn<caf::detached>(redis_worker, where, timeout); };
    redis_workers = caf::actor_pool::make(sys.dummy_execution_unit(), deps.redis_connections, factory,
                                          caf::actor_pool::round_robin());
  }
  return sys.spawn(rate_limiter, std::move(deps), redis_workers);
}

}  // namespace commerce::actors
