// The few long-lived actors that run every HTTP request's handler, in turn, instead of an actor
// spawned and torn down per request (measured with bench/run: about 6% more product_get
// requests per second, 4% more cart adds). Handlers only ever `request(...).then(...)` (no
// await, no state of their own), so one actor serves many requests in flight at once, as many
// spawned actors would.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <memory>

namespace commerce::http {

/// One request's work, run on a request actor: it may `self->request(...).then(...)`.
using request_task = std::function<void(caf::event_based_actor* self)>;

class request_actors {
public:
  /// `count` actors, hidden from the actor system's shutdown wait (the destructor ends them).
  request_actors(caf::actor_system& sys, size_t count);
  ~request_actors();  ///< ends them; work still in flight is dropped
  request_actors(const request_actors&) = delete;
  request_actors& operator=(const request_actors&) = delete;

  /// Hands `task` to the next actor, round robin. A task that throws fails only itself; an
  /// exception from one of its continuations ends its actor, dropping every task the actor had
  /// in flight (a request's reply then answers 500), and a keeper puts a new actor in its place.
  void run(request_task task);
  /// How many actors the keeper has replaced so far.
  int64_t replaced() const;

  struct slots;

private:
  std::shared_ptr<slots> slots_;
  std::atomic<size_t> next_{0};
  caf::actor keeper_;
};

}  // namespace commerce::http
