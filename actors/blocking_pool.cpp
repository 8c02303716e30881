#include "actors/blocking_pool.hpp"

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

namespace {

caf::behavior blocking_worker(caf::event_based_actor*) {
  return {
    [](blocking_job& job) -> caf::result<caf::message> {
      try {
        return job.run();
      } catch (const std::exception& e) {
        spdlog::warn("blocking job failed: {}", e.what());
        return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
      }
    },
  };
}

}  // namespace

caf::actor spawn_blocking_pool(caf::actor_system& sys, size_t workers) {
  auto factory = [&sys] { return sys.spawn<caf::detached>(blocking_worker); };
  return caf::actor_pool::make(sys.dummy_execution_unit(), workers, factory, caf::actor_pool::round_robin());
}

}  // namespace commerce::actors
