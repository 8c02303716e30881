#include "actors/cart.hpp"

#include "actors/cart_messages.hpp"
#include "actors/db_batcher.hpp"
#include "actors/order_rules.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace commerce::actors {

namespace {

cart_item_reply item_failure(problem p) { return cart_item_reply{std::move(p), {}}; }

problem quantity_range() { return problem::validation({{"quantity", {"must be between 1 and 999"}}}); }

/// The answer for an add or a change, from the repository's outcome.
cart_item_reply item_reply(const persistence::cart_change& r) {
  switch (r.outcome) {
    case persistence::cart_outcome::ok:
      return cart_item_reply{problem::none(), r.line};
    case persistence::cart_outcome::product_unavailable:
      return item_failure(problem::validation({{"product_id", {"no such product, or it is no longer sold"}}}));
    case persistence::cart_outcome::quantity_over_limit:
      return item_failure(problem::validation({{"quantity", {"a cart line holds at most 999 units"}}}));
    case persistence::cart_outcome::insufficient_stock:
      return item_failure(problem{error_code::insufficient_stock, "not enough stock",
                                  {{"quantity", {"only " + std::to_string(r.available) + " in stock"}}}});
    case persistence::cart_outcome::item_not_found:
      break;
  }
  return item_failure(problem::not_found("cart item not found"));
}

/// What a cart actor keeps between messages: the lines of one version of the cart, or nothing
/// known (`unknown_version`) until the next read loads them. Compact on purpose (24 bytes a
/// line): names and prices are read with the version check when the cart is shown.
struct cart_state {
  static inline const char* name = "cart";
  static constexpr int64_t unknown_version = -1;
  int64_t version = unknown_version;
  std::vector<persistence::held_cart_line> lines;
};
using cart_ptr = caf::stateful_actor<cart_state>*;

void forget(cart_ptr self) {
  self->state.version = cart_state::unknown_version;
  self->state.lines = {};
}

void remember(cart_ptr self, const persistence::cart_snapshot& s) {
  self->state.version = s.version;
  self->state.lines.clear();
  for (const auto& l : s.lines)
    self->state.lines.push_back({l.item_id, l.product_id, l.quantity});
}

/// A write reached PostgreSQL as version `version` (0: it changed nothing). The copy stays
/// good only when the write was applied on the version held; else the next read reloads.
template <class Apply>
void written(cart_ptr self, int64_t version, Apply apply) {
  if (version == 0)
    return;
  if (self->state.version != cart_state::unknown_version && version - 1 == self->state.version) {
    apply(self->state.lines);
    self->state.version = version;
  } else {
    forget(self);
  }
}

/// Sends `job` to `worker` (the blocking pool, or the add batcher) while the actor waits
/// (`await`: one user's cart operations never interleave), then answers `done(result)`; a
/// failed or timed-out job may still have committed, so the copy is dropped and the requester
/// gets "unavailable".
template <class T, class R, class Job, class Done>
caf::typed_response_promise<R> serialized(cart_ptr self, const caf::actor& worker, std::chrono::milliseconds timeout,
                                          Job job, Done done) {
  return reply_mapped<R, T>(self, worker, timeout, std::move(job), std::move(done), [self] { forget(self); }, true);
}

/// serialized() for SQL `fn(connection)` run on the blocking pool.
template <class T, class R, class Fn, class Done>
caf::typed_response_promise<R> serialized(cart_ptr self, const db_access& db, Fn fn, Done done) {
  return serialized<T, R>(self, db.workers, db.timeout, db_job(db.db, std::move(fn)), std::move(done));
}

/// `adds`: the supervisor's add batcher.
caf::behavior cart_actor(cart_ptr self, caf::actor supervisor, int64_t user_id, cart_deps d, caf::actor adds) {
  log_unhandled_exceptions(self, "cart", user_id);
  // Loaded on activation; messages wait for it (a failed load leaves nothing known).
  self->request(d.db.workers, d.db.timeout, db_job(d.db.db, [user_id](pg::connection& c) { return persistence::load_cart(c, user_id); }))
    .await([self](persistence::cart_snapshot& s) { remember(self, s); }, [self](caf::error&) { forget(self); });
  auto applied = [self](persistence::cart_change& r) {
    if (r.outcome == persistence::cart_outcome::ok)
      written(self, r.version, [&r](std::vector<persistence::held_cart_line>& lines) {
        auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.item_id == r.line.item_id; });
        if (it != lines.end())
          it->quantity = r.line.quantity;
        else
          lines.push_back({r.line.item_id, r.line.product_id, r.line.quantity});
      });
    return item_reply(r);
  };
  return {
    [=](const get_cart&) {
      auto version = self->state.version;
      auto held = self->state.lines;
      return serialized<persistence::cart_snapshot, cart_reply>(self, d.db, [=](pg::connection& c) {
        return version == cart_state::unknown_version ? persistence::load_cart(c, user_id)
                                                      : persistence::refresh_cart(c, user_id, version, held);
      }, [self](persistence::cart_snapshot& s) {
        remember(self, s);
        return cart_reply{problem::none(), std::move(s.lines)};
      });
    },
    [=](const add_cart_item& cmd) -> caf::result<cart_item_reply> {
      if (cmd.quantity < 1 || cmd.quantity > order_rules::max_line_quantity)
        return item_failure(quantity_range());
      return serialized<persistence::cart_change, cart_item_reply>(
        self, adds, d.db.timeout, persistence::cart_add{user_id, cmd.product_id, cmd.quantity}, applied);
    },
    [=](const set_cart_item& cmd) -> caf::result<cart_item_reply> {
      if (cmd.quantity < 1 || cmd.quantity > order_rules::max_line_quantity)
        return item_failure(quantity_range());
      auto item_id = cmd.item_id;
      auto quantity = cmd.quantity;
      return serialized<persistence::cart_change, cart_item_reply>(self, d.db, [=](pg::connection& c) {
        return persistence::set_cart_quantity(c, user_id, item_id, quantity);
      }, applied);
    },
    [=](const remove_cart_item& cmd) {
      auto item_id = cmd.item_id;
      return serialized<int64_t, cart_item_reply>(self, d.db, [=](pg::connection& c) {
        return persistence::remove_cart_item(c, user_id, item_id);
      }, [self, item_id](int64_t version) {
        if (version == 0)
          return item_failure(problem::not_found("cart item not found"));
        written(self, version, [item_id](std::vector<persistence::held_cart_line>& lines) {
          lines.erase(std::remove_if(lines.begin(), lines.end(), [&](const auto& l) { return l.item_id == item_id; }), lines.end());
        });
        return cart_item_reply{};
      });
    },
    [=](const clear_cart&) {
      return serialized<int64_t, cart_reply>(self, d.db, [user_id](pg::connection& c) {
        return persistence::clear_cart(c, user_id);
      }, [self](int64_t version) {
        if (version == 0)
          forget(self);  // it was empty in PostgreSQL already; which version, unknown
        written(self, version, [](std::vector<persistence::held_cart_line>& lines) { lines = {}; });
        return cart_reply{};
      });
    },
    [=](stop_atom) { self->quit(); },
    [=](crash_atom) { injected_crash("cart", user_id); },
    [=](inspect_atom) {
      const auto& st = self->state;
      auto n = st.lines.size();
      auto held = st.version == cart_state::unknown_version
                    ? std::string{"lines not held (the next read loads them)"}
                    : std::to_string(n) + (n == 1 ? " line" : " lines") + " in memory at version " + std::to_string(st.version);
      return entity_probe{own_mailbox_size(self), "cart of user " + std::to_string(user_id) + "; " + held};
    },
  };
}

/// Bounds one add statement's arrays (and the work a failed batch repeats one by one).
constexpr size_t max_adds_per_batch = 64;

struct cart_supervisor_state {
  static inline const char* name = "cart_supervisor";
  entity_registry carts;
};
using cart_supervisor_ptr = cart_api::stateful_pointer<cart_supervisor_state>;

cart_api::behavior_type cart_supervisor(cart_supervisor_ptr self, cart_deps d) {
  self->state.carts = entity_registry{"cart", d.restarts};
  // Its cart actors' adds, many users' in one statement under load; it lives as long as the
  // supervisor (linked).
  auto adds = self->spawn<caf::linked>(db_batcher<persistence::cart_add, persistence::cart_change>, d.db, cart_add_batches(),
                                       batches_in_flight(d.db), max_adds_per_batch, "cart adds");
  auto [idle, sweep, stats, crash, list, lookup] = supervise(self, [](cart_supervisor_ptr s) -> entity_registry& { return s->state.carts; }, d.idle_timeout);
  auto cart = [=](int64_t user_id) { return child_for(self, self->state.carts, user_id, cart_actor, d, adds); };
  return {
    [=](const get_cart& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const add_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const set_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const remove_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const clear_cart& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    idle,
    sweep,
    stats,
    crash,
    list,
    lookup,
  };
}

}  // namespace

db_batch_kind<persistence::cart_add, persistence::cart_change> cart_add_batches() {
  return {[](pg::connection& c, const std::vector<persistence::cart_add>& adds) {
            return persistence::add_to_carts(c, adds, order_rules::max_line_quantity);
          },
          [](pg::connection& c, const persistence::cart_add& a) {
            return persistence::add_to_cart(c, a.user_id, a.product_id, a.quantity, order_rules::max_line_quantity);
          },
          [](const persistence::cart_add& a) { return a.user_id; }};
}

cart_api spawn_cart_supervisor(caf::actor_system& sys, cart_deps deps) {
  return sys.spawn(cart_supervisor, std::move(deps));
}

}  // namespace commerce::actors
