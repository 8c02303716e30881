#include "actors/supervision.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace commerce::actors {

namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

}  // namespace

caf::actor entity_registry::find(int64_t id) const {
  auto it = children_.find(id);
  return it == children_.end() ? caf::actor{} : it->second.handle;
}

caf::actor entity_registry::route(int64_t id) {
  auto it = children_.find(id);
  if (it == children_.end())
    return {};
  ++it->second.messages;
  it->second.last_activity_ms = unix_ms_now();
  return it->second.handle;
}

void entity_registry::add(int64_t id, caf::actor child) {
  ids_.emplace(child.address(), id);
  if (auto old = children_.find(id); old != children_.end())
    by_actor_.erase(old->second.handle.id());
  by_actor_[child.id()] = id;
  auto now = unix_ms_now();
  children_[id] = child_record{std::move(child), 0, now, now};
  ++stats_.activations;
}

caf::actor entity_registry::retire(int64_t id) {
  auto it = children_.find(id);
  if (it == children_.end())
    return {};
  auto child = std::move(it->second.handle);
  by_actor_.erase(child.id());
  children_.erase(it);
  return child;
}

std::vector<caf::actor> entity_registry::retire_idle(std::chrono::milliseconds idle_for) {
  std::vector<caf::actor> out;
  auto cutoff = unix_ms_now() - idle_for.count();
  for (auto it = children_.begin(); it != children_.end();) {
    if (it->second.last_activity_ms <= cutoff) {
      by_actor_.erase(it->second.handle.id());
      out.push_back(std::move(it->second.handle));
      it = children_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

child_summary entity_registry::summary_of(int64_t id, const child_record& r) const {
  child_summary s;
  s.actor_id = r.handle.id();
  s.kind = domain_;
  s.entity_id = id;
  s.messages_routed = r.messages;
  s.activated_at_ms = r.activated_at_ms;
  s.last_activity_ms = r.last_activity_ms;
  if (auto c = restarts_.find(id); c != restarts_.end())
    s.restarts = c->second;
  s.handle = r.handle;
  return s;
}

children_page entity_registry::page(int64_t after, int64_t limit) {
  children_page out;
  out.supervisor = summary();
  limit = std::max<int64_t>(0, limit);
  for (auto it = children_.upper_bound(after); it != children_.end(); ++it) {
    if (static_cast<int64_t>(out.children.size()) == limit) {
      out.more = true;
      break;
    }
    out.children.push_back(summary_of(it->first, it->second));
  }
  return out;
}

std::optional<child_summary> entity_registry::by_actor(uint64_t actor_id) const {
  auto it = by_actor_.find(actor_id);
  if (it == by_actor_.end())
    return std::nullopt;
  auto child = children_.find(it->second);
  if (child == children_.end())
    return std::nullopt;
  return summary_of(child->first, child->second);
}

void entity_registry::prune_crashes(std::chrono::steady_clock::time_point now) {
  while (!crash_times_.empty() && now - crash_times_.front() > policy_.window)
    crash_times_.pop_front();
}

supervisor_summary entity_registry::summary() {
  prune_crashes(std::chrono::steady_clock::now());
  supervisor_summary s;
  s.kind = domain_;
  s.stats = stats();
  s.max_restarts = policy_.max_restarts;
  s.window_seconds = policy_.window.count();
  s.restart_budget = std::max<int64_t>(0, policy_.max_restarts - static_cast<int64_t>(crash_times_.size()));
  return s;
}

entity_registry::exit_kind entity_registry::on_exit(const caf::actor_addr& source, const caf::error& reason) {
  auto it = ids_.find(source);
  if (it == ids_.end())
    return exit_kind::not_a_child;
  auto id = it->second;
  ids_.erase(it);
  if (auto c = children_.find(id); c != children_.end() && c->second.handle.address() == source) {
    by_actor_.erase(c->second.handle.id());
    children_.erase(c);
  }
  if (!reason || reason == caf::exit_reason::normal) {
    ++stats_.passivations;
    return exit_kind::passivated;
  }
  ++stats_.crashes;
  // Per-entity restart counts for the console; bounded, so a crash storm cannot grow it forever.
  if (restarts_.size() >= 100000 && !restarts_.count(id))
    restarts_.clear();
  ++restarts_[id];
  auto now = std::chrono::steady_clock::now();
  crash_times_.push_back(now);
  prune_crashes(now);
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
