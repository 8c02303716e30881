// The PostgreSQL job queue (no Redis): the `tasks` rows are the queue. A take leases one due
// row (FOR UPDATE SKIP LOCKED, so concurrent workers on any node never take the same job) until
// now + the visibility timeout; a lease that runs out (its worker died, the server restarted)
// makes the job takeable again. A push on this node wakes a waiting worker at once; jobs pushed
// by other nodes are found by polling.
#include "persistence/job_queue.hpp"

#include <condition_variable>
#include <mutex>

namespace commerce::persistence {

namespace {

/// Wakes this process's waiting workers when a job is pushed here.
struct wake_signal {
  std::mutex mtx;
  std::condition_variable cv;
  uint64_t pushes = 0;

  void notify() {
    {
      std::lock_guard<std::mutex> lock{mtx};
      ++pushes;
    }
    cv.notify_one();
  }
  /// Waits up to `d` or until a push newer than `seen`.
  void wait(uint64_t seen, std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock{mtx};
    cv.wait_for(lock, d, [&] { return pushes != seen; });
  }
  uint64_t count() {
    std::lock_guard<std::mutex> lock{mtx};
    return pushes;
  }
};

class pg_job_queue final : public job_queue {
public:
  pg_job_queue(const job_queue_settings& s, std::shared_ptr<wake_signal> wake) : s_(s), wake_(std::move(wake)) {}

  void push(const queued_job& j) override {
    run([&](pg::connection& c) {
      auto r = c.exec("UPDATE tasks SET queued = true, run_after = now(), lease_until = NULL, lease_owner = NULL "
                      "WHERE id = $1::uuid",
                      {j.id});
      if (r.affected() != 1)
        throw queue_unavailable("no task " + j.id + " to queue");
    });
    wake_->notify();
  }

  std::optional<taken_job> take(std::chrono::milliseconds wait) override {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto seen = wake_->count();
      if (auto t = claim())
        return t;
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline)
        return std::nullopt;
      wake_->wait(seen, std::min(s_.poll_interval,
                                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    }
  }

  void ack(const taken_job& t) override {
    run([&](pg::connection& c) {
      c.exec("UPDATE tasks SET queued = false, lease_until = NULL, lease_owner = NULL "
             "WHERE id = $1::uuid AND lease_owner = $2::uuid",
             {t.job.id, t.receipt});
    });
  }

  void retry(const taken_job& t, std::chrono::milliseconds delay) override {
    run([&](pg::connection& c) {
      c.exec("UPDATE tasks SET run_after = now() + make_interval(secs => $3::bigint / 1000.0), lease_until = NULL, "
             "lease_owner = NULL WHERE id = $1::uuid AND lease_owner = $2::uuid",
             {t.job.id, t.receipt, std::to_string(delay.count())});
    });
  }

  void dead_letter(const taken_job& t, const std::string& error) override {
    run([&](pg::connection& c) {
      c.exec("UPDATE tasks SET queued = false, dead_letter = true, error = $3, lease_until = NULL, lease_owner = NULL "
             "WHERE id = $1::uuid AND lease_owner = $2::uuid",
             {t.job.id, t.receipt, error});
    });
  }

  void extend(const std::vector<taken_job>& running) override {
    if (running.empty())
      return;
    run([&](pg::connection& c) {
      for (const auto& t : running)
        c.exec("UPDATE tasks SET lease_until = now() + make_interval(secs => $3::bigint / 1000.0) "
               "WHERE id = $1::uuid AND lease_owner = $2::uuid",
               {t.job.id, t.receipt, std::to_string(s_.visibility_timeout.count())});
    });
  }

  job_queue_stats stats() override {
    job_queue_stats st;
    run([&](pg::connection& c) {
      auto r = c.exec(
        "SELECT count(*) FILTER (WHERE queued AND run_after <= now() AND (lease_until IS NULL OR lease_until < now())), "
        "       count(*) FILTER (WHERE queued AND lease_until >= now()), "
        "       count(*) FILTER (WHERE queued AND run_after > now() AND lease_until IS NULL), "
        "       count(*) FILTER (WHERE dead_letter) "
        "FROM tasks WHERE queued OR dead_letter");
      auto in = r.row();
      st.waiting = in.int64();
      st.running = in.int64();
      st.delayed = in.int64();
      st.dead = in.int64();
    });
    return st;
  }

  /// Without Redis there is no registry of consumers: the caller knows whether this node runs
  /// workers (see /health/); a leased job shows some worker is alive elsewhere.
  bool consumers_alive() override {
    bool alive = false;
    run([&](pg::connection& c) {
      alive = !c.exec("SELECT 1 FROM tasks WHERE queued AND lease_until >= now() LIMIT 1").empty();
    });
    return alive;
  }

private:
  template <class F>
  void run(F fn) {
    try {
      auto lease = s_.db->acquire(std::chrono::milliseconds(2000));
      fn(*lease);
    } catch (const pg::error& e) {
      throw queue_unavailable(std::string{"job queue (PostgreSQL): "} + e.what());
    }
  }

  std::optional<taken_job> claim() {
    std::optional<taken_job> out;
    run([&](pg::connection& c) {
      auto r = c.exec(
        "UPDATE tasks SET lease_until = now() + make_interval(secs => $1::bigint / 1000.0), "
        "       lease_owner = gen_random_uuid() "
        "WHERE id = (SELECT id FROM tasks WHERE queued AND run_after <= now() "
        "              AND (lease_until IS NULL OR lease_until < now()) "
        "            ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING id::text, type, payload::text, lease_owner::text, attempts",
        {std::to_string(s_.visibility_timeout.count())});
      if (r.empty())
        return;
      auto in = r.row();
      taken_job t;
      t.job.id = in.str();
      t.job.type = in.str();
      t.job.payload = in.str();
      t.receipt = in.str();
      t.deliveries = in.int64() + 1;
      out = std::move(t);
    });
    return out;
  }

  job_queue_settings s_;
  std::shared_ptr<wake_signal> wake_;
};

class pg_factory final : public job_queue_factory {
public:
  explicit pg_factory(job_queue_settings s) : s_(std::move(s)) {}
  std::unique_ptr<job_queue> make() override { return std::make_unique<pg_job_queue>(s_, wake_); }
  bool uses_redis() const override { return false; }

private:
  job_queue_settings s_;
  std::shared_ptr<wake_signal> wake_ = std::make_shared<wake_signal>();
};

}  // namespace

std::shared_ptr<job_queue_factory> make_pg_job_queue_factory(job_queue_settings s) {
  if (!s.db)
    throw std::invalid_argument("the PostgreSQL job queue needs a database pool");
  return std::make_shared<pg_factory>(std::move(s));
}

std::shared_ptr<job_queue_factory> make_job_queue_factory(job_queue_settings s) {
  return s.redis_url.empty() ? make_pg_job_queue_factory(std::move(s)) : make_redis_job_queue_factory(std::move(s));
}

}  // namespace commerce::persistence
