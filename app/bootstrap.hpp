// Start-up steps of commerce-server that touch the outside world before the actors start.
#pragma once

#include "config/settings.hpp"
#include "persistence/pg.hpp"

#include <string>

namespace commerce::app {

/// JWT_SECRET, or the secret kept in DATA_DIR/jwt_secret (created on first start, mode 0600).
std::string load_or_create_jwt_secret(const config::settings& s);

/// Ensures ADMIN_EMAIL exists, is staff and has ADMIN_PASSWORD (API.md §2). A password that
/// already matches leaves the user's tokens valid; a changed one revokes them.
void ensure_admin(pg::connection& c, const config::settings& s);

}  // namespace commerce::app
