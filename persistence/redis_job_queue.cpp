// The Redis Streams job queue. Keys (S = JOB_STREAM):
//   S             the stream; entries {id, type, payload}; the consumer group G reads it
//   S:delayed     retries waiting until due (sorted set; score = due time in ms, member id|type|payload)
//   S:dead        the dead letter (stream; entries {id, type, payload, error})
//   S:consumers   when each consumer last asked for work (sorted set; /health/'s `worker`)
// A take moves due retries back onto the stream (a Lua script, atomic, on Redis' clock), reclaims
// an entry idle longer than the visibility timeout (XAUTOCLAIM), then reads with XREADGROUP
// BLOCK. Ack, retry and dead letter each leave the consumer's pending list atomically with
// their other effect, and only when this consumer still held the entry, so a job never sits in
// two places. Acknowledged entries are deleted, so the stream holds only live work.
#include "persistence/job_queue.hpp"
#include "persistence/redis_client.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <unistd.h>

namespace commerce::persistence {

namespace {

constexpr const char* now_ms_lua = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) ";

// KEYS: stream, delayed, consumers. ARGV: consumer. Heartbeat, then due retries onto the stream.
const std::string promote_script = std::string{now_ms_lua} + R"lua(
redis.call('ZADD', KEYS[3], now, ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, m in ipairs(due) do
  local id, kind, payload = string.match(m, '^([^|]*)|([^|]*)|(.*)$')
  if id then redis.call('XADD', KEYS[1], '*', 'id', id, 'type', kind, 'payload', payload) end
  redis.call('ZREM', KEYS[2], m)
end
return #due
)lua";

// KEYS: stream. ARGV: group, entry id.
constexpr const char* ack_script = R"lua(
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return n
)lua";

// KEYS: stream, delayed. ARGV: group, entry id, delay ms, member.
const std::string retry_script = std::string{now_ms_lua} + R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
return 1
)lua";

// KEYS: stream, dead. ARGV: group, entry id, job id, type, payload, error.
constexpr const char* dead_script = R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[3], 'type', ARGV[4], 'payload', ARGV[5], 'error', ARGV[6])
return 1
)lua";

// KEYS: dead. ARGV: job id. Deletes the job's dead-letter entries (the dead letter is short:
// what failed for good, until someone retries or trims it).
constexpr const char* forget_dead_script = R"lua(
local n = 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = e[2]
  for i = 1, #f, 2 do
    if f[i] == 'id' and f[i + 1] == ARGV[1] then
      n = n + redis.call('XDEL', KEYS[1], e[1])
    end
  end
end
return n
)lua";

// KEYS: consumers, stream. ARGV: window ms, group. Forgets consumers silent for a day (from the
// group too, once they hold nothing: every restart names new ones); counts the live ones.
const std::string alive_script = std::string{now_ms_lua} + R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[2], ARGV[2])
if type(consumers) == 'table' and not consumers.err then
  for _, c in ipairs(consumers) do
    local f = {}
    for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
    if f['pending'] == 0 and f['idle'] > 86400000 then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[2], f['name'])
    end
  end
end
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
)lua";

std::string default_consumer_prefix() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return std::string{host[0] ? host : "node"} + "-" + std::to_string(getpid());
}

class redis_job_queue final : public job_queue {
public:
  redis_job_queue(const job_queue_settings& s, redis_endpoint where, std::string consumer)
    : s_(s), where_(std::move(where)), consumer_(std::move(consumer)), delayed_(s.stream + ":delayed"),
      dead_(s.stream + ":dead"), consumers_(s.stream + ":consumers") {}

  void push(const queued_job& j) override {
    call([&](redis_client& r) {
      check(r.command({"XADD", s_.stream, "*", "id", j.id, "type", j.type, "payload", j.payload}));
    });
  }

  std::optional<taken_job> take(std::chrono::milliseconds wait) override {
    std::optional<taken_job> out;
    call([&](redis_client& r) {
      r.eval(promote_script, {s_.stream, delayed_, consumers_}, {consumer_});
      auto now = std::chrono::steady_clock::now();
      if (now - last_reclaim_ >= reclaim_every()) {
        last_reclaim_ = now;
        if ((out = reclaim(r)))
          return;
      }
      auto reply = r.command({"XREADGROUP", "GROUP", s_.group, consumer_, "COUNT", "1", "BLOCK",
                              std::to_string(std::max<int64_t>(wait.count(), 1)), "STREAMS", s_.stream, ">"});
      if (reply.is_error() && reply.text.rfind("NOGROUP", 0) == 0) {
        ensure_group(r);  // Redis lost the group (restarted without persistence)
        return;
      }
      check(reply);
      // [[stream, [[entry id, [field, value, ...]]]]]
      if (!reply.is_array() || reply.elements.empty() || reply.elements[0].elements.size() < 2)
        return;
      const auto& entries = reply.elements[0].elements[1].elements;
      if (!entries.empty())
        out = read_entry(r, entries[0], 1);
    });
    return out;
  }

  void ack(const taken_job& t) override {
    call([&](redis_client& r) { r.eval(ack_script, {s_.stream}, {s_.group, t.receipt}); });
  }

  void retry(const taken_job& t, std::chrono::milliseconds delay) override {
    call([&](redis_client& r) {
      r.eval(retry_script, {s_.stream, delayed_},
             {s_.group, t.receipt, std::to_string(delay.count()), t.job.id + "|" + t.job.type + "|" + t.job.payload});
    });
  }

  void dead_letter(const taken_job& t, const std::string& error) override {
    call([&](redis_client& r) {
      r.eval(dead_script, {s_.stream, dead_}, {s_.group, t.receipt, t.job.id, t.job.type, t.job.payload, error});
    });
  }

  void extend(const std::vector<taken_job>& running) override {
    if (running.empty())
      return;
    // XCLAIM to ourselves with min-idle 0 resets each entry's idle time: not reclaimable for
    // another visibility timeout. JUSTID: no delivery count increase, no entry bodies.
    std::vector<std::string> words{"XCLAIM", s_.stream, s_.group, consumer_, "0"};
    for (const auto& t : running)
      words.push_back(t.receipt);
    words.push_back("JUSTID");
    call([&](redis_client& r) { check(r.command(words)); });
  }

  job_queue_stats stats() override {
    job_queue_stats st;
    call([&](redis_client& r) {
      auto length = check(r.command({"XLEN", s_.stream})).integer;
      auto pending = check(r.command({"XPENDING", s_.stream, s_.group}));
      st.running = pending.is_array() && !pending.elements.empty() ? pending.elements[0].integer : 0;
      st.waiting = std::max<int64_t>(0, length - st.running);
      st.delayed = check(r.command({"ZCARD", delayed_})).integer;
      st.dead = check(r.command({"XLEN", dead_})).integer;
    });
    return st;
  }

  std::vector<std::pair<std::string, int64_t>> pending_by_consumer() override {
    std::vector<std::pair<std::string, int64_t>> out;
    call([&](redis_client& r) {
      auto pending = check(r.command({"XPENDING", s_.stream, s_.group}));
      if (!pending.is_array() || pending.elements.size() < 4 || !pending.elements[3].is_array())
        return;
      for (const auto& c : pending.elements[3].elements)
        if (c.is_array() && c.elements.size() == 2)
          out.emplace_back(c.elements[0].text, std::stoll(c.elements[1].text));
    });
    return out;
  }

  void forget_dead(const std::string& job_id) override {
    call([&](redis_client& r) { r.eval(forget_dead_script, {dead_}, {job_id}); });
  }

  bool consumers_alive() override {
    long long n = 0;
    call([&](redis_client& r) {
      n = r.eval_integer(alive_script, {consumers_, s_.stream}, {std::to_string(s_.visibility_timeout.count()), s_.group});
    });
    return n > 0;
  }

private:
  static const redis_reply& check(const redis_reply& r) {
    if (r.is_error())
      throw queue_unavailable("job queue (Redis): " + r.text);
    return r;
  }

  std::chrono::milliseconds reclaim_every() const {
    return std::min(std::chrono::milliseconds(1000), std::max(std::chrono::milliseconds(10), s_.visibility_timeout / 4));
  }

  void ensure_group(redis_client& r) {
    auto reply = r.command({"XGROUP", "CREATE", s_.stream, s_.group, "0", "MKSTREAM"});
    if (reply.is_error() && reply.text.rfind("BUSYGROUP", 0) != 0)
      throw queue_unavailable("job queue (Redis): " + reply.text);
  }

  /// Runs `fn` on a connection (opened, and the group ensured, when there is none); a failure
  /// drops the connection, so the next call reconnects.
  template <class F>
  void call(F fn) {
    try {
      if (!redis_ || !redis_->usable()) {
        redis_.reset();
        redis_.emplace(where_, std::chrono::milliseconds(5000));
        ensure_group(*redis_);
      }
      fn(*redis_);
    } catch (const queue_unavailable&) {
      throw;
    } catch (const std::exception& e) {
      redis_.reset();
      throw queue_unavailable(std::string{"job queue (Redis): "} + e.what());
    }
  }

  /// One entry left pending by a consumer silent for the visibility timeout, now ours.
  std::optional<taken_job> reclaim(redis_client& r) {
    auto reply = check(r.command({"XAUTOCLAIM", s_.stream, s_.group, consumer_,
                                  std::to_string(s_.visibility_timeout.count()), reclaim_cursor_, "COUNT", "1"}));
    // [next cursor, [[entry id, [field, value, ...]]], [deleted ids]]
    if (!reply.is_array() || reply.elements.size() < 2)
      return std::nullopt;
    reclaim_cursor_ = reply.elements[0].text.empty() ? "0-0" : reply.elements[0].text;
    for (const auto& entry : reply.elements[1].elements) {
      if (auto t = read_entry(r, entry, 2)) {
        spdlog::warn("job {} ({}) reclaimed from a consumer silent for {} ms", t->job.id, t->job.type,
                     s_.visibility_timeout.count());
        return t;
      }
    }
    return std::nullopt;
  }

  /// An entry as a taken job; an entry without a job (deleted, malformed) is acknowledged away.
  std::optional<taken_job> read_entry(redis_client& r, const redis_reply& entry, int64_t deliveries) {
    if (!entry.is_array() || entry.elements.size() < 2)
      return std::nullopt;
    taken_job t;
    t.receipt = entry.elements[0].text;
    t.deliveries = deliveries;
    const auto& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const auto& name = fields[i].text;
      if (name == "id")
        t.job.id = fields[i + 1].text;
      else if (name == "type")
        t.job.type = fields[i + 1].text;
      else if (name == "payload")
        t.job.payload = fields[i + 1].text;
    }
    if (t.job.id.empty() || t.job.type.empty()) {
      spdlog::warn("job queue: dropping stream entry {} without a job", t.receipt);
      r.eval(ack_script, {s_.stream}, {s_.group, t.receipt});
      return std::nullopt;
    }
    return t;
  }

  job_queue_settings s_;
  redis_endpoint where_;
  std::string consumer_;
  std::string delayed_, dead_, consumers_;
  std::optional<redis_client> redis_;
  std::string reclaim_cursor_ = "0-0";
  std::chrono::steady_clock::time_point last_reclaim_{};
};

class redis_factory final : public job_queue_factory {
public:
  explicit redis_factory(job_queue_settings s)
    : s_(std::move(s)), where_(parse_redis_url(s_.redis_url)),
      prefix_(s_.consumer_prefix.empty() ? default_consumer_prefix() : s_.consumer_prefix) {}

  std::unique_ptr<job_queue> make() override {
    return std::make_unique<redis_job_queue>(s_, where_, prefix_ + "-" + std::to_string(next_++));
  }
  bool uses_redis() const override { return true; }

private:
  job_queue_settings s_;
  redis_endpoint where_;
  std::string prefix_;
  std::atomic<int> next_{0};
};

}  // namespace

std::shared_ptr<job_queue_factory> make_redis_job_queue_factory(job_queue_settings s) {
  return std::make_shared<redis_factory>(std::move(s));
}

}  // namespace commerce::persistence
