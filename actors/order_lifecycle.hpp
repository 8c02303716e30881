// The order lifecycle, in one place (API.md §3.4):
//   pending -> confirmed (paid) -> processing -> shipped -> delivered
//   pending -> cancelled;  confirmed | processing | shipped | delivered -> refunded (full refund)
// Everything else is illegal and answered with invalid_order_state (409).
#pragma once

#include <string>

namespace commerce::actors::order_lifecycle {

bool is_status(const std::string& s);
bool can_move(const std::string& from, const std::string& to);
/// Whether entering `to` from `from` gives the reserved stock back.
bool releases_stock(const std::string& from, const std::string& to);
/// Whether entering `to` needs payment_status unpaid: a cancel never wins over a charge in
/// flight, unknown or succeeded (checked again in the SQL guard, for other nodes).
bool requires_unpaid(const std::string& to);

}  // namespace commerce::actors::order_lifecycle
