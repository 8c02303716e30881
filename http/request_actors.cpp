#include "http/request_actors.hpp"

#include "actors/supervision.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

namespace commerce::http {

struct request_actors::slots {
  std::vector<std::shared_ptr<const caf::actor>> actors;  ///< read and replaced with std::atomic_load/store
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> replaced{0};
};

}  // namespace commerce::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::http::request_task)  // never leaves the process

namespace commerce::http {

namespace {

caf::behavior request_actor(caf::event_based_actor* self, size_t index) {
  // A continuation that throws ends the actor (its tasks in flight are dropped); the keeper
  // sees it go and puts a new one in its place.
  actors::log_unhandled_exceptions(self, "request", static_cast<int64_t>(index));
  return {
    [self, index](request_task& task) {
      try {
        task(self);
      } catch (const std::exception& e) {  // only this task fails (a request's reply answers 500)
        spdlog::error("request actor {}: a task threw: {}", index, e.what());
      }
    },
  };
}

/// Watches the request actors and replaces one that ended.
caf::behavior request_actor_keeper(caf::event_based_actor* self, std::shared_ptr<request_actors::slots> slots) {
  for (const auto& a : slots->actors)
    self->monitor(*a);
  self->set_down_handler([self, slots](caf::down_msg& down) {
    if (slots->stopping.load())
      return;
    for (size_t i = 0; i < slots->actors.size(); ++i) {
      if (std::atomic_load(&slots->actors[i])->address() != down.source)
        continue;
      auto fresh = self->spawn<caf::hidden + caf::monitored>(request_actor, i);
      std::atomic_store(&slots->actors[i], std::make_shared<const caf::actor>(std::move(fresh)));
      slots->replaced.fetch_add(1);
      spdlog::warn("request actor {} ended ({}); a new one took its place", i, caf::to_string(down.reason));
    }
  });
  return {[](caf::unit_t) {}};  // a behavior only to stay alive: it receives down messages alone
}

}  // namespace

request_actors::request_actors(caf::actor_system& sys, size_t count) : slots_(std::make_shared<slots>()) {
  for (size_t i = 0; i < std::max<size_t>(count, 1); ++i)
    slots_->actors.push_back(std::make_shared<const caf::actor>(sys.spawn<caf::hidden>(request_actor, i)));
  keeper_ = sys.spawn<caf::hidden>(request_actor_keeper, slots_);
}

request_actors::~request_actors() {
  slots_->stopping.store(true);
  caf::anon_send_exit(keeper_, caf::exit_reason::user_shutdown);
  for (auto& a : slots_->actors)
    caf::anon_send_exit(*std::atomic_load(&a), caf::exit_reason::user_shutdown);
}

void request_actors::run(request_task task) {
  auto i = next_.fetch_add(1, std::memory_order_relaxed) % slots_->actors.size();
  caf::anon_send(*std::atomic_load(&slots_->actors[i]), std::move(task));
}

int64_t request_actors::replaced() const { return slots_->replaced.load(); }

}  // namespace commerce::http
