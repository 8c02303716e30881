#include "actors/cart.hpp"

#include "actors/cart_messages.hpp"
#include "actors/order_rules.hpp"

#include <caf/all.hpp>

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

caf::behavior cart_actor(caf::event_based_actor* self, caf::actor supervisor, int64_t user_id, cart_deps d) {
  log_unhandled_exceptions(self, "cart", user_id);
  auto nothing = [](auto&) {};
  return {
    [=](const get_cart&) {
      return reply_from_db_serialized<cart_reply>(self, d.db, [user_id](pg::connection& c) {
        return cart_reply{problem::none(), persistence::load_cart(c, user_id)};
      }, nothing);
    },
    [=](const add_cart_item& cmd) -> caf::result<cart_item_reply> {
      if (cmd.quantity < 1 || cmd.quantity > order_rules::max_line_quantity)
        return item_failure(quantity_range());
      auto product_id = cmd.product_id;
      auto quantity = cmd.quantity;
      return reply_from_db_serialized<cart_item_reply>(self, d.db, [=](pg::connection& c) {
        return item_reply(persistence::add_to_cart(c, user_id, product_id, quantity, order_rules::max_line_quantity));
      }, nothing);
    },
    [=](const set_cart_item& cmd) -> caf::result<cart_item_reply> {
      if (cmd.quantity < 1 || cmd.quantity > order_rules::max_line_quantity)
        return item_failure(quantity_range());
      auto item_id = cmd.item_id;
      auto quantity = cmd.quantity;
      return reply_from_db_serialized<cart_item_reply>(self, d.db, [=](pg::connection& c) {
        return item_reply(persistence::set_cart_quantity(c, user_id, item_id, quantity));
      }, nothing);
    },
    [=](const remove_cart_item& cmd) {
      auto item_id = cmd.item_id;
      return reply_from_db_serialized<cart_item_reply>(self, d.db, [=](pg::connection& c) {
        return persistence::remove_cart_item(c, user_id, item_id) ? cart_item_reply{}
                                                                  : item_failure(problem::not_found("cart item not found"));
      }, nothing);
    },
    [=](const clear_cart&) {
      return reply_from_db_serialized<cart_reply>(self, d.db, [user_id](pg::connection& c) {
        persistence::clear_cart(c, user_id);
        return cart_reply{};
      }, nothing);
    },
    [=](stop_atom) { self->quit(); },
    [=](crash_atom) { injected_crash("cart", user_id); },
    [=](inspect_atom) {
      // A cart keeps nothing in memory: its lines live in PostgreSQL.
      return entity_probe{own_mailbox_size(self), "cart of user " + std::to_string(user_id) + "; lines in PostgreSQL"};
    },
    caf::after(d.idle_timeout) >> [=] { self->send(supervisor, idle_atom::value, user_id); },
  };
}

struct cart_supervisor_state {
  static inline const char* name = "cart_supervisor";
  entity_registry carts;
};
using cart_supervisor_ptr = cart_api::stateful_pointer<cart_supervisor_state>;

cart_api::behavior_type cart_supervisor(cart_supervisor_ptr self, cart_deps d) {
  self->state.carts = entity_registry{"cart", d.restarts};
  auto [idle, stats, crash, list, lookup] = supervise(self, [](cart_supervisor_ptr s) -> entity_registry& { return s->state.carts; });
  auto cart = [=](int64_t user_id) { return child_for(self, self->state.carts, user_id, cart_actor, d); };
  return {
    [=](const get_cart& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const add_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const set_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const remove_cart_item& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    [=](const clear_cart& cmd) { return delegate_to<cart_api>(self, cart(cmd.user_id), cmd); },
    idle,
    stats,
    crash,
    list,
    lookup,
  };
}

}  // namespace

cart_api spawn_cart_supervisor(caf::actor_system& sys, cart_deps deps) {
  return sys.spawn(cart_supervisor, std::move(deps));
}

}  // namespace commerce::actors
