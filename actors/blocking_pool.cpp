#include "actors/blocking_pool.hpp"

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

// (The name argument also keeps CAF 0.17's init_fun_factory away from its null
// shared_ptr<tuple<>> dereference for argument-less actors, which UBSan reports.)
caf::behavior blocking_worker(caf::event_based_actor*, std::string pool) {
  return {
    [pool](blocking_job& job) -> caf::result<caf::message> {
      if (job.abandoned()) {
        spdlog::debug("{} worker: dropped a job nobody waits for any more", pool);
        return caf::make_error(caf::sec::request_timeout, std::string{"dropped: the requester gave up"});
      }
      try {
        return job.run();
      } catch (const std::exception& e) {
        spdlog::warn("{} worker: job failed: {}", pool, e.what());
        return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
      }
    },
  };
}

}  // namespace

bool blocking_job::abandoned() const {
  if (deadline && std::chrono::steady_clock::now() >= *deadline)
    return true;
  // An actor_addr is weak: it upgrades to a handle only while the actor lives.
  return client && !caf::actor_cast<caf::actor>(client);
}

std::shared_ptr<void> job_gate::try_admit() {
  auto count = count_;
  auto n = count->load();
  do {
    if (n >= limit_)
      return nullptr;
  } while (!count->compare_exchange_weak(n, n + 1));
  // The ticket gives its place back when the last copy of the job holding it is destroyed.
  struct ticket {
    std::shared_ptr<std::atomic<size_t>> count;
    ~ticket() {
      if (count)
        count->fetch_sub(1);
    }
  };
  auto t = std::make_shared<ticket>();
  t->count = std::move(count);
  return t;
}

caf::actor spawn_blocking_pool(caf::actor_system& sys, size_t workers, std::string name) {
  auto factory = [&sys, name] { return sys.spawn<caf::detached>(blocking_worker, name); };
  return caf::actor_pool::make(sys.dummy_execution_unit(), workers, factory, caf::actor_pool::round_robin());
}

}  // namespace commerce::actors
