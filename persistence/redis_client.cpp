#include "persistence/redis_client.hpp"

#include "common/url.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace commerce::persistence {

namespace {

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

}  // namespace

redis_endpoint parse_redis_url(const std::string& url) {
  redis_endpoint ep;
  const std::string unix_scheme = "unix://";
  if (url.rfind(unix_scheme, 0) == 0) {
    // Not through libcurl: its parser reads unix:///tmp/r.sock as host "tmp", path "/r.sock".
    ep.socket_path = url.substr(unix_scheme.size());
    if (ep.socket_path.empty() || ep.socket_path[0] != '/')
      throw std::invalid_argument("REDIS_URL unix:// needs an absolute socket path");
    return ep;
  }
  if (url.rfind("redis://", 0) != 0)
    throw std::invalid_argument("REDIS_URL must start with redis:// or unix://");
  common::url_parts parts;
  try {
    parts = common::parse_url(url);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string{"REDIS_URL is not a valid URL: "} + e.what());
  }
  if (parts.host.empty())
    throw std::invalid_argument("REDIS_URL has no host");
  if (parts.port && *parts.port == 0)
    throw std::invalid_argument("REDIS_URL port out of range");
  if (!parts.query.empty())
    throw std::invalid_argument("REDIS_URL takes no query parameters");
  ep.host = parts.host;
  ep.port = parts.port.value_or(6379);
  // user:password is Redis 6's ACL login (AUTH user password); without a ':' the whole user
  // information is the password, as redis-cli reads redis://password@host.
  if (parts.password) {
    ep.user = parts.user;
    ep.password = *parts.password;
  } else {
    ep.password = parts.user;
  }
  auto db = parts.path.substr(1);  // libcurl's path starts with '/'
  if (!db.empty()) {
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), ep.database);
    if (ec != std::errc{} || end != db.data() + db.size() || ep.database < 0)
      throw std::invalid_argument("REDIS_URL database must be a number");
  }
  return ep;
}

void redis_client::context_deleter::operator()(redisContext* c) const { redisFree(c); }

redis_client::redis_client(const redis_endpoint& where, std::chrono::milliseconds timeout) {
  auto tv = to_timeval(timeout);
  redisContext* raw = where.socket_path.empty()
                        ? redisConnectWithTimeout(where.host.c_str(), where.port, tv)
                        : redisConnectUnixWithTimeout(where.socket_path.c_str(), tv);
  ctx_.reset(raw);
  if (!ctx_ || ctx_->err)
    throw std::runtime_error(std::string{"cannot connect to Redis: "} + (ctx_ ? ctx_->errstr : "out of memory"));
  redisSetTimeout(ctx_.get(), tv);
  if (!where.password.empty()) {
    reply_ptr r{static_cast<redisReply*>(
      where.user.empty() ? redisCommand(ctx_.get(), "AUTH %b", where.password.data(), where.password.size())
                         : redisCommand(ctx_.get(), "AUTH %b %b", where.user.data(), where.user.size(),
                                        where.password.data(), where.password.size()))};
    if (!r || r->type == REDIS_REPLY_ERROR)
      throw std::runtime_error("Redis AUTH failed");
  }
  if (where.database != 0) {
    reply_ptr r{static_cast<redisReply*>(redisCommand(ctx_.get(), "SELECT %d", where.database))};
    if (!r || r->type == REDIS_REPLY_ERROR)
      throw std::runtime_error("Redis SELECT failed");
  }
}

redis_client::~redis_client() = default;
redis_client::redis_client(redis_client&&) noexcept = default;
redis_client& redis_client::operator=(redis_client&&) noexcept = default;

bool redis_client::ping() {
  if (!ctx_ || ctx_->err)
    return false;
  reply_ptr r{static_cast<redisReply*>(redisCommand(ctx_.get(), "PING"))};
  return r && r->type == REDIS_REPLY_STATUS && std::string{r->str, r->len} == "PONG";
}

}  // namespace commerce::persistence

namespace commerce::persistence {

bool redis_client::usable() const { return ctx_ && ctx_->err == 0; }

namespace {

redis_reply copy_reply(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; out.text.assign(r->str, r->len); break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copy_reply(r->element[i]));
      break;
    default: out.type = redis_reply::kind::nil; break;
  }
  return out;
}

}  // namespace

redis_reply redis_client::command(const std::vector<std::string>& words) {
  if (!usable())
    throw std::runtime_error("Redis connection is broken");
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(words.size());
  lengths.reserve(words.size());
  for (const auto& w : words) {
    argv.push_back(w.data());
    lengths.push_back(w.size());
  }
  reply_ptr r{static_cast<redisReply*>(
    redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()))};
  if (!r)
    throw std::runtime_error(std::string{"Redis I/O error: "} + ctx_->errstr);
  return copy_reply(r.get());
}

redis_reply redis_client::eval(const std::string& script, const std::vector<std::string>& keys,
                               const std::vector<std::string>& args) {
  auto load = [&] {
    auto r = command({"SCRIPT", "LOAD", script});
    if (r.type != redis_reply::kind::string)
      throw std::runtime_error("Redis SCRIPT LOAD failed");
    return script_shas_[script] = r.text;
  };
  auto evalsha = [&](const std::string& sha) {
    std::vector<std::string> words{"EVALSHA", sha, std::to_string(keys.size())};
    words.insert(words.end(), keys.begin(), keys.end());
    words.insert(words.end(), args.begin(), args.end());
    return command(words);
  };
  auto known = script_shas_.find(script);
  auto r = evalsha(known != script_shas_.end() ? known->second : load());
  if (r.is_error() && r.text.rfind("NOSCRIPT", 0) == 0)
    r = evalsha(load());  // the server restarted or flushed its scripts
  if (r.is_error())
    throw std::runtime_error("Redis script error: " + r.text);
  return r;
}

long long redis_client::eval_integer(const std::string& script, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  auto r = eval(script, keys, args);
  if (r.type != redis_reply::kind::integer)
    throw std::runtime_error("Redis script did not return an integer");
  return r.integer;
}

}  // namespace commerce::persistence
