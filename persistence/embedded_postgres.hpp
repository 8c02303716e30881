// The embedded default: with no DATABASE_URL the server keeps a private PostgreSQL cluster
// under its data directory, reachable only through a unix socket in a directory that only the
// cluster's user (and root) may enter, so no other OS user can connect. The installed
// initdb/pg_ctl run it; as root they run as the `postgres` system user, because PostgreSQL
// refuses to run as root. The destructor stops the cluster.
#pragma once

#include <stdexcept>
#include <string>

namespace commerce::persistence {

/// The data directory cannot serve the embedded cluster and the operator must change something
/// (a permission, or DATA_DIR): the message is one line saying what (the server exits with 2).
struct data_dir_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class embedded_postgres {
public:
  /// Creates the cluster on first use, starts it (or adopts one left running by a crashed
  /// run), and creates the `commerce` database. Throws data_dir_error when the cluster's user
  /// cannot reach `data_dir`, std::runtime_error with a one-line, actionable reason otherwise
  /// (PostgreSQL missing, start failure).
  explicit embedded_postgres(const std::string& data_dir);
  ~embedded_postgres();
  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;

  /// libpq key=value connection string for the `commerce` database.
  const std::string& conninfo() const { return conninfo_; }
  void stop();

private:
  std::string bin_dir_;
  std::string cluster_dir_;
  std::string socket_dir_;
  std::string conninfo_;
  bool running_ = false;
};

/// Finds the newest installed PostgreSQL server binaries (PG_BIN_DIR overrides); empty if none.
std::string find_postgres_bin_dir();

}  // namespace commerce::persistence
