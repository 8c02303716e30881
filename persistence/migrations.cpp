#include "persistence/migrations.hpp"

#include <spdlog/spdlog.h>

namespace commerce::persistence {

namespace {

// An arbitrary constant shared by every commerce-server process on the database.
constexpr const char* migration_lock_key = "7204815530021";

int version_of(const std::string& file) {
  size_t digits = 0;
  while (digits < file.size() && std::isdigit(static_cast<unsigned char>(file[digits])))
    ++digits;
  if (digits == 0)
    throw std::runtime_error("migration file name must start with a number: " + file);
  return std::stoi(file.substr(0, digits));
}

}  // namespace

int apply_migrations(pg::connection& conn, const std::vector<migration>& all) {
  conn.exec("SELECT pg_advisory_lock($1::bigint)", {std::string{migration_lock_key}});
  int applied = 0;
  try {
    conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " version integer PRIMARY KEY,"
              " name text NOT NULL,"
              " applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& m : all) {
      auto version = version_of(m.file);
      auto seen = conn.exec("SELECT 1 FROM schema_migrations WHERE version = $1::int",
                            {std::to_string(version)});
      if (!seen.empty())
        continue;
      pg::transaction tx{conn};
      conn.exec_script(m.sql);
      tx.exec("INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)",
              {std::to_string(version), m.file});
      tx.commit();
      spdlog::info("applied migration {}", m.file);
      ++applied;
    }
  } catch (...) {
    conn.exec("SELECT pg_advisory_unlock($1::bigint)", {std::string{migration_lock_key}});
    throw;
  }
  conn.exec("SELECT pg_advisory_unlock($1::bigint)", {std::string{migration_lock_key}});
  return applied;
}

}  // namespace commerce::persistence
