#include "actors/beat.hpp"

#include "persistence/beat_repository.hpp"
#include "persistence/pg.hpp"
#include "persistence/redis_client.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <unistd.h>

namespace commerce::actors {

namespace {

using tick_atom = caf::atom_constant<caf::atom("beat_tick")>;

/// The job types a beat may raise: those that need no payload.
const std::vector<std::string>& periodic_job_types() {
  static const std::vector<std::string> types = {
    job_types::release_reservations, job_types::reconcile_payments, job_types::poll_pending_payments,
    job_types::refresh_tracking,     job_types::remind_abandoned_carts, job_types::sync_inventory,
    job_types::deliver_outbox,       job_types::noop};
  return types;
}

std::string iso_utc(int64_t unix_seconds) {
  auto t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string{host} + ":" + std::to_string(getpid()) + ":" + suffix;
}

/// Who leads: `hold` takes the lead or keeps it (true while this beat leads), `release` gives it
/// up. Both block; any failure to reach the store counts as not leading.
class leader_lock {
public:
  virtual ~leader_lock() = default;
  virtual bool hold(bool leading) = 0;
  virtual void release() = 0;
};

/// SET key node NX PX ttl; renewed by compare-and-pexpire, released by compare-and-delete.
class redis_lock final : public leader_lock {
public:
  redis_lock(persistence::redis_endpoint where, std::string key, std::string node, std::chrono::milliseconds ttl)
    : where_(std::move(where)), key_(std::move(key)), node_(std::move(node)), ttl_(ttl) {}

  bool hold(bool leading) override {
    static const std::string acquire =
      "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0";
    static const std::string renew =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
    try {
      if (!client_ || !client_->usable())
        client_.emplace(where_, std::min(ttl_ / 3, std::chrono::milliseconds(2000)));
      auto held = client_->eval_integer(leading ? renew : acquire, {key_}, {node_, std::to_string(ttl_.count())}) == 1;
      failing_ = false;
      return held;
    } catch (const std::exception& e) {
      if (!failing_)
        spdlog::warn("beat: Redis leader lock unavailable ({}); not firing until it answers", e.what());
      failing_ = true;
      client_.reset();
      return false;
    }
  }

  void release() override {
    static const std::string release_script =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
    try {
      if (!client_ || !client_->usable())
        client_.emplace(where_, std::chrono::milliseconds(2000));
      client_->eval_integer(release_script, {key_}, {node_});
    } catch (const std::exception& e) {
      spdlog::warn("beat: could not release the leader lock ({}); it expires within {} ms", e.what(), ttl_.count());
    }
  }

private:
  persistence::redis_endpoint where_;
  std::string key_;
  std::string node_;
  std::chrono::milliseconds ttl_;
  std::optional<persistence::redis_client> client_;
  bool failing_ = false;
};

/// The beat's own PostgreSQL connection, (re)opened on demand.
class beat_connection {
public:
  explicit beat_connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  pg::connection& get() {
    if (!conn_ || !conn_->ok())
      conn_.emplace(conninfo_, std::chrono::milliseconds(5000));
    return *conn_;
  }
  void drop() { conn_.reset(); }

private:
  std::string conninfo_;
  std::optional<pg::connection> conn_;
};

/// A session advisory lock on the beat's connection: PostgreSQL releases it when the session
/// ends, so a dead leader's lock goes with its connection.
class advisory_lock final : public leader_lock {
public:
  advisory_lock(beat_connection& db, const std::string& name) : key_(std::to_string(key_of(name))), db_(db) {}

  bool hold(bool leading) override {
    try {
      auto& c = db_.get();
      // Leading: still held by this very session? (A reconnect would have lost it.)
      auto r = leading ? c.exec("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                "AND pid = pg_backend_pid() AND classid = 0 AND objid = $1::bigint AND objsubid = 1)",
                                {key_})
                       : c.exec("SELECT pg_try_advisory_lock($1::bigint)", {key_});
      return r.boolean(0, 0);
    } catch (const std::exception& e) {
      spdlog::warn("beat: PostgreSQL leader lock unavailable ({}); not firing until it answers", e.what());
      db_.drop();
      return false;
    }
  }

  void release() override {
    try {
      db_.get().exec("SELECT pg_advisory_unlock($1::bigint)", {key_});
    } catch (const std::exception&) {
      db_.drop();  // the session's end releases it too
    }
  }

private:
  /// The lock's name hashed (FNV-1a) below 2^31, so pg_locks shows it with classid 0.
  static int64_t key_of(const std::string& name) {
    uint32_t h = 2166136261u;
    for (unsigned char ch : name)
      h = (h ^ ch) * 16777619u;
    return static_cast<int64_t>(h & 0x7fffffffu);
  }
  std::string key_;
  beat_connection& db_;
};

/// What a beat knows between ticks; lives as long as its actor (a dead actor's connections
/// close with it).
struct beat_runtime {
  beat_deps deps;
  beat_connection db;
  std::unique_ptr<leader_lock> lock;
  bool leading = false;
  std::map<std::string, int64_t> next_run;  ///< per entry, as last read or claimed; empty: reload
  std::set<std::string> enqueuing;          ///< entries whose claimed slot is being queued

  explicit beat_runtime(beat_deps d) : deps(std::move(d)), db(deps.database) {
    if (deps.node_id.empty())
      deps.node_id = default_node_id();
    if (deps.redis_url.empty())
      lock = std::make_unique<advisory_lock>(db, deps.lock_key);
    else
      lock = std::make_unique<redis_lock>(persistence::parse_redis_url(deps.redis_url), deps.lock_key, deps.node_id,
                                          deps.lock_ttl);
  }
};
using runtime_ptr = std::shared_ptr<beat_runtime>;

/// Reads (or creates) every entry's next slot.
void load_schedule(beat_runtime& rt) {
  auto now = now_seconds();
  auto& c = rt.db.get();
  for (const auto& e : rt.deps.schedule)
    rt.next_run[e.name] = persistence::ensure_beat_entry(c, e.name, e.job_type, e.when, e.next_slot(now));
}

void enqueue(caf::event_based_actor* self, const runtime_ptr& rt, const domain::beat_entry& e, int64_t slot,
             int64_t next) {
  rt->enqueuing.insert(e.name);
  auto name = e.name;
  auto type = e.job_type;
  auto payload = "{\"schedule\":\"" + name + "\",\"slot\":\"" + iso_utc(slot) + "\"}";
  auto give_back = [=](const std::string& why) {
    rt->enqueuing.erase(name);
    spdlog::warn("beat: {} ({}) for {} was not queued: {}; retrying", name, type, iso_utc(slot), why);
    try {
      persistence::release_beat_slot(rt->db.get(), name, slot, next);
      rt->next_run.erase(name);  // re-read: the slot is due again (unless another beat moved on)
    } catch (const std::exception& ex) {
      spdlog::warn("beat: could not give slot {} of {} back: {}", iso_utc(slot), name, ex.what());
      rt->db.drop();
      rt->next_run.clear();
    }
  };
  self->request(rt->deps.jobs, rt->deps.enqueue_timeout, enqueue_job{type, payload, std::nullopt})
    .then(
      [=](task_reply& r) {
        if (r.error) {
          give_back(r.error.message);
          return;
        }
        rt->enqueuing.erase(name);
        spdlog::info("beat: {} raised {} task {} for {}", name, type, r.task.id, iso_utc(slot));
        try {
          persistence::record_beat_task(rt->db.get(), name, slot, r.task.id);
        } catch (const std::exception& ex) {
          spdlog::warn("beat: could not note task {} of {}: {}", r.task.id, name, ex.what());
          rt->db.drop();
        }
      },
      [=](caf::error& err) { give_back(to_string(err)); });
}

/// Fires every due entry whose slot this beat claims.
void fire_due(caf::event_based_actor* self, const runtime_ptr& rt) {
  try {
    if (rt->next_run.size() != rt->deps.schedule.size())
      load_schedule(*rt);
    auto now = now_seconds();
    auto& c = rt->db.get();
    for (const auto& e : rt->deps.schedule) {
      auto slot = rt->next_run[e.name];
      if (slot > now || rt->enqueuing.count(e.name))
        continue;
      // An overdue slot (no beat ran) fires once; the next one is the first after now.
      auto next = e.next_slot(std::max(now, slot));
      if (persistence::claim_beat_slot(c, e.name, slot, next)) {
        rt->next_run[e.name] = next;
        enqueue(self, rt, e, slot, next);
      } else if (auto stored = persistence::beat_next_run(c, e.name)) {
        rt->next_run[e.name] = *stored;  // another beat fired it: go on from where it left off
      } else {
        rt->next_run.erase(e.name);
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("beat: schedule unavailable ({}); retrying", e.what());
    rt->db.drop();
    rt->next_run.clear();
  }
}

caf::behavior beat(caf::event_based_actor* self, beat_deps deps) {
  auto rt = std::make_shared<beat_runtime>(std::move(deps));
  auto interval = std::max(std::chrono::milliseconds(100), std::min(std::chrono::milliseconds(1000), rt->deps.lock_ttl / 3));
  // A clean stop gives the lead up at once; a kill (or a crash) leaves the lock to expire.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (rt->leading) {
      rt->lock->release();
      spdlog::info("beat {}: stopped leading", rt->deps.node_id);
    }
    rt->leading = false;
    self->quit(msg.reason);
  });
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (rt->deps.schedule.empty())
        return;  // nothing to fire: leave the lead to the beats that have work
      bool was = rt->leading;
      rt->leading = rt->lock->hold(was);
      if (rt->leading != was) {
        if (rt->leading)
          spdlog::info("beat {}: leading ({} periodic jobs)", rt->deps.node_id, rt->deps.schedule.size());
        else
          spdlog::warn("beat {}: no longer leading", rt->deps.node_id);
        rt->next_run.clear();  // a new lead starts from the durable schedule
      }
      if (rt->leading)
        fire_due(self, rt);
      self->delayed_send(self, interval, tick_atom::value);
    },
    [=](beat_leader_atom) { return rt->leading; },
  };
}

}  // namespace

caf::actor spawn_beat(caf::actor_system& sys, beat_deps deps) {
  return sys.spawn<caf::detached>(beat, std::move(deps));
}

std::string default_beat_schedule(int64_t reservation_sweep_seconds) {
  return std::string{job_types::release_reservations} + "@every:" + std::to_string(reservation_sweep_seconds) + "s; " +
         job_types::reconcile_payments + "@every:1m; " + job_types::poll_pending_payments + "@every:2m; " +
         job_types::refresh_tracking + "@every:30m; " + job_types::remind_abandoned_carts + "@every:15m; " +
         job_types::sync_inventory + "@cron:0 * * * *; " + job_types::deliver_outbox + "@every:10s";
}

std::vector<domain::beat_entry> beat_schedule_of(const std::string& configured, int64_t reservation_sweep_seconds) {
  auto entries = domain::parse_beat_schedule(configured.empty() ? default_beat_schedule(reservation_sweep_seconds)
                                                                : configured);
  const auto& known = periodic_job_types();
  for (const auto& e : entries)
    if (std::find(known.begin(), known.end(), e.job_type) == known.end()) {
      std::string list;
      for (const auto& k : known)
        list += (list.empty() ? "" : ", ") + k;
      throw std::invalid_argument("entry '" + e.name + "': '" + e.job_type + "' is not a periodic job type (" + list + ")");
    }
  return entries;
}

}  // namespace commerce::actors
