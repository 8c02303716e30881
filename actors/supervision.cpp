#include "actors/supervision.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace commerce::actors {

caf::actor entity_registry::find(int64_t id) const {
  auto it = children_.find(id);
  return it == children_.end() ? caf::actor{} : it->second;
}

void entity_registry::add(int64_t id, caf::actor child) {
  ids_.emplace(child.address(), id);
  children_[id] = std::move(child);
  ++stats_.activations;
}

caf::actor entity_registry::retire(int64_t id) {
  auto it = children_.find(id);
  if (it == children_.end())
    return {};
  auto child = std::move(it->second);
  children_.erase(it);
  return child;
}

entity_registry::exit_kind entity_registry::on_exit(const caf::actor_addr& source, const caf::error& reason) {
  auto it = ids_.find(source);
  if (it == ids_.end())
    return exit_kind::not_a_child;
  auto id = it->second;
  ids_.erase(it);
  if (auto c = children_.find(id); c != children_.end() && c->second.address() == source)
    children_.erase(c);
  if (!reason || reason == caf::exit_reason::normal) {
    ++stats_.passivations;
    return exit_kind::passivated;
  }
  ++stats_.crashes;
  auto now = std::chrono::steady_clock::now();
  crash_times_.push_back(now);
  while (!crash_times_.empty() && now - crash_times_.front() > policy_.window)
    crash_times_.pop_front();
  spdlog::warn("{} actor {} crashed ({}); it is re-activated from the database on its next message", domain_, id,
               to_string(reason));
  return static_cast<int>(crash_times_.size()) > policy_.max_restarts ? exit_kind::escalate : exit_kind::crashed;
}

void log_unhandled_exceptions(caf::scheduled_actor* self, std::string domain, int64_t id) {
  self->set_exception_handler([domain, id](caf::scheduled_actor*, std::exception_ptr& eptr) -> caf::error {
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      spdlog::error("{} actor {}: unhandled exception: {}", domain, id, e.what());
      return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
    } catch (...) {
      spdlog::error("{} actor {}: unhandled non-standard exception", domain, id);
      return caf::make_error(caf::sec::runtime_error);
    }
  });
}

void injected_crash(const std::string& domain, int64_t id) {
  throw std::runtime_error("injected crash of " + domain + " " + std::to_string(id));
}

supervisor_stats entity_registry::stats() const {
  auto s = stats_;
  s.active = static_cast<int64_t>(children_.size());
  s.restarts_in_window = static_cast<int64_t>(crash_times_.size());
  return s;
}

}  // namespace commerce::actors
