// The one error shape of API.md §1 and the mapping from problem codes to HTTP statuses.
#pragma once

#include "actors/problem.hpp"

#include <string>

namespace commerce::http {

using actors::error_code;

/// The HTTP status for a problem code (API.md §1).
int status_for(error_code code);

/// `{"error":{"code","message","fields"}}` with `fields` always present.
std::string render_problem(const actors::problem& p);

}  // namespace commerce::http
