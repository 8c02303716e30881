// The order domain's protocol: checkout, reads and the lifecycle transitions, each order
// serialised by its own actor under the order supervisor.
#pragma once

#include "actors/problem.hpp"
#include "actors/supervision_messages.hpp"
#include "persistence/order_repository.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>

namespace commerce::actors {

/// Who is asking: owners see their orders, staff see all, anyone else gets not_found.
struct requester {
  int64_t user_id = 0;
  bool is_staff = false;
};

struct place_order {
  persistence::new_order order;
};
struct get_order {
  int64_t order_id = 0;
  requester who;
};
struct list_orders {
  int64_t user_id = 0;
  int64_t limit = 20;
  int64_t offset = 0;
};
struct cancel_order {
  int64_t order_id = 0;
  requester who;
};
/// A lifecycle step requested by the system (payments, fulfilment): to "confirmed",
/// "processing", "shipped", "delivered", "cancelled" or "refunded".
struct advance_order {
  int64_t order_id = 0;
  std::string to;
};

struct order_reply {
  problem error;
  persistence::order_record order;
  bool replayed = false;  ///< an Idempotency-Key repeat: the first request's order
};
struct order_page_reply {
  problem error;
  persistence::order_page page;
};

/// The order supervisor's periodic expiry of unpaid reservations.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

}  // namespace commerce::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::place_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::get_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::list_orders)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::cancel_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::advance_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::order_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::order_page_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::persistence::expired_reservations)
