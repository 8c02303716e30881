// The order actor's state and the flows it runs with a gateway: charging, confirming and
// refunding payments (order_payments.cpp) and booking shipments (order_shipping.cpp). Each
// flow awaits every step (SQL, gateway call, SQL), so nothing else touches the order meanwhile;
// other nodes are kept out by the guards in the SQL. Internal to actors/.
#pragma once

#include "actors/orders.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"

#include <caf/stateful_actor.hpp>

#include <chrono>
#include <optional>

namespace commerce::actors::order_flows {

using clock = std::chrono::steady_clock;

struct order_state {
  static inline const char* name = "order";
  std::optional<persistence::order_record> cached;
  clock::time_point fetched_at;
  caf::actor supervisor;  ///< told when the order does not exist, so no actor stays behind for it
};
using order_ptr = caf::stateful_actor<order_state>*;

inline problem order_not_found() { return problem::not_found("order not found"); }
inline order_reply failure(problem p) { return order_reply{std::move(p), {}, false}; }

/// One order's actor (order_actor.cpp), spawned by the order supervisor for order `id`.
caf::behavior order_actor(order_ptr self, caf::actor supervisor, int64_t id, order_deps d);

/// Pays the cached order: a payment already pending at the provider is checked again rather
/// than a second one created, so one order never has two live payments at the gateway.
void charge(order_ptr self, const order_deps& d, int64_t id, const process_payment& cmd, caf::response_promise rp);

/// Settles a pending payment of the cached order with the provider's current status.
void confirm(order_ptr self, const order_deps& d, int64_t id, int64_t payment_id, caf::response_promise rp);

/// Settles the order's payment pending at the provider, if there is one (a webhook named it).
void recheck(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp);

/// Refunds part or all of the order's payment.
void refund(order_ptr self, const order_deps& d, int64_t id, const refund_payment& cmd, caf::response_promise rp);

/// Settles the order's charge and refund attempts whose outcome is unknown (settle_unknown_atom).
void settle_unknown(order_ptr self, const order_deps& d, int64_t id, caf::response_promise rp);

/// Books the order's shipment (one per order).
void book_shipment(order_ptr self, const order_deps& d, int64_t id, const create_shipment& cmd, caf::response_promise rp);

/// 504 gateway_timeout or 502 shipping_gateway_error (the detail is logged, not returned).
problem carrier_problem(const std::string& detail, integrations::gateway_outcome outcome);

}  // namespace commerce::actors::order_flows
