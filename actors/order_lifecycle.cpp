#include "actors/order_lifecycle.hpp"

#include <map>
#include <set>

namespace commerce::actors::order_lifecycle {

namespace {

const std::map<std::string, std::set<std::string>>& transitions() {
  static const std::map<std::string, std::set<std::string>> table = {
    {"pending", {"confirmed", "cancelled"}},
    {"confirmed", {"processing", "refunded"}},
    {"processing", {"shipped", "refunded"}},
    {"shipped", {"delivered", "refunded"}},
    {"delivered", {"refunded"}},
    {"cancelled", {}},
    {"refunded", {}},
  };
  return table;
}

}  // namespace

bool is_status(const std::string& s) { return transitions().count(s) == 1; }

bool can_move(const std::string& from, const std::string& to) {
  auto it = transitions().find(from);
  return it != transitions().end() && it->second.count(to) == 1;
}

bool releases_stock(const std::string& from, const std::string& to) {
  // A cancelled order never shipped anything; a refund does not restock (API.md §3.5).
  return from == "pending" && to == "cancelled";
}

bool requires_unpaid(const std::string& to) { return to == "cancelled"; }

}  // namespace commerce::actors::order_lifecycle
