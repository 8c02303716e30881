// Statuses at the persistence boundary: the lifecycle's enums (domain/order_lifecycle.hpp) read
// from a row, and bound as text parameters (one status, or a set as a text[] for `= ANY($n)`).
#pragma once

#include "domain/order_lifecycle.hpp"
#include "persistence/pg.hpp"

namespace commerce::persistence {

/// The next column, as a status; a word the lifecycle does not know is a corrupt row.
template <class Status>
Status read_status(pg::row_reader& in) {
  auto text = in.text();
  auto status = domain::parse<Status>(text);
  if (!status)
    throw pg::error("unexpected status '" + std::string{text} + "' in a row", "");
  return *status;
}

/// A set of statuses as a text[] literal, for `status = ANY($n::text[])`. The words are plain
/// lower-case identifiers, so they need no quoting.
template <class Statuses>
std::string status_array(const Statuses& statuses) {
  std::string out = "{";
  for (auto s : statuses)
    out += (out.size() > 1 ? "," : "") + domain::to_string(s);
  return out + "}";
}

}  // namespace commerce::persistence
