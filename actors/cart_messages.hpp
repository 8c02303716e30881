// The cart domain's protocol: one cart actor per user under the cart supervisor.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/cart_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <vector>

namespace commerce::actors {

struct get_cart {
  int64_t user_id = 0;
};
struct add_cart_item {
  int64_t user_id = 0;
  int64_t product_id = 0;
  int32_t quantity = 1;
};
struct set_cart_item {
  int64_t user_id = 0;
  int64_t item_id = 0;
  int32_t quantity = 0;
};
struct remove_cart_item {
  int64_t user_id = 0;
  int64_t item_id = 0;
};
struct clear_cart {
  int64_t user_id = 0;
};

struct cart_reply {
  problem error;
  std::vector<persistence::cart_line> lines;
};
struct cart_item_reply {
  problem error;
  persistence::cart_line line;
};

/// The cart supervisor's interface: each command is served by the user's cart actor.
using cart_api = supervision_api::extend<caf::replies_to<get_cart>::with<cart_reply>,
                                         caf::replies_to<add_cart_item>::with<cart_item_reply>,
                                         caf::replies_to<set_cart_item>::with<cart_item_reply>,
                                         caf::replies_to<remove_cart_item>::with<cart_item_reply>,
                                         caf::replies_to<clear_cart>::with<cart_reply>>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_cart)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::add_cart_item)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::set_cart_item)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::remove_cart_item)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::clear_cart)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::cart_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::cart_item_reply)
// Results of the cart actor's own database jobs (never leave the process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::cart_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::cart_change)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::cart_add)
