// Numbered SQL migrations (persistence/migrations/NNNN_name.sql, embedded at build time),
// applied in order at start-up under an advisory lock and recorded in schema_migrations.
#pragma once

#include "persistence/pg.hpp"

#include <string>
#include <vector>

namespace commerce::persistence {

struct migration {
  std::string file;  ///< e.g. "0001_users.sql"; the leading number is the version
  std::string sql;
};

const std::vector<migration>& embedded_migrations();

/// Applies every migration not yet recorded; returns how many ran. Safe to call from several
/// processes at once: the advisory lock serialises them and the second one finds nothing to do.
int apply_migrations(pg::connection& conn, const std::vector<migration>& all = embedded_migrations());

}  // namespace commerce::persistence
