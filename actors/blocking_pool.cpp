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

caf::actor spawn_blocking_pool(caf::actor_system& sys, size_t workers, std::string name) {
  auto factory = [&sys, name] { return sys.spawn<caf::detached>(blocking_worker, name); };
  return caf::actor_pool::make(sys.dummy_execution_unit(), workers, factory, caf::actor_pool::round_robin());
}

}  // namespace commerce::actors
