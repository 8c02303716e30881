// RAII wrappers over libpq: a connection, a result, a transaction, and the error type
// every repository throws. Parameters are always bound ($1, $2, ...), never spliced into SQL.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <utility>
#include <vector>

namespace commerce::pg {

/// A failed statement or connection; `sqlstate` is PostgreSQL's five-character code
/// ("23505" unique violation, "40001" serialization failure, "" for connection errors).
class error : public std::runtime_error {
public:
  error(std::string message, std::string sqlstate)
    : std::runtime_error(std::move(message)), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  bool unique_violation() const noexcept { return sqlstate_ == "23505"; }

private:
  std::string sqlstate_;
};

/// A text parameter; std::nullopt binds SQL NULL.
using param = std::optional<std::string>;
using params = std::vector<param>;

class row_reader;

class result {
public:
  explicit result(PGresult* r) : res_(r, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  bool empty() const { return rows() == 0; }
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col),
            static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string{text(row, col)}; }
  std::optional<std::string> opt_str(int row, int col) const {
    if (is_null(row, col))
      return std::nullopt;
    return str(row, col);
  }
  int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }
  /// The number of rows an UPDATE/DELETE/INSERT touched.
  int64_t affected() const;
  /// Row `i`, read column after column in SELECT order. The reader refers to this result, so
  /// it cannot be taken from a temporary one.
  row_reader row(int i = 0) const&;
  row_reader row(int i = 0) && = delete;
  const PGresult* native() const { return res_.get(); }

private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

/// One row of a result, read column after column in the order the SELECT names them:
///   auto in = r.row(i); o.id = in.int64(); o.name = in.str(); ...
class row_reader {
public:
  row_reader(const result& r, int row) : r_(r), row_(row) {}
  std::string_view text() { return r_.text(row_, col_++); }
  std::string str() { return r_.str(row_, col_++); }
  std::optional<std::string> opt_str() { return r_.opt_str(row_, col_++); }
  int64_t int64() { return r_.int64(row_, col_++); }
  std::optional<int64_t> opt_int64() {
    if (r_.is_null(row_, col_)) {
      ++col_;
      return std::nullopt;
    }
    return int64();
  }
  int32_t int32() { return static_cast<int32_t>(r_.int64(row_, col_++)); }
  bool boolean() { return r_.boolean(row_, col_++); }

private:
  const result& r_;
  int row_;
  int col_ = 0;
};

inline row_reader result::row(int i) const& { return {*this, i}; }

/// The statements one connection has prepared, most recently used first. Bounded, so SQL built
/// at run time cannot grow a session without limit: beyond `capacity` the least recently used
/// one is deallocated. A connection's prepared statements live in its server session, so the
/// cache is dropped with the session (reset()).
class statement_cache {
public:
  explicit statement_cache(size_t capacity) : capacity_(capacity) {}
  size_t capacity() const { return capacity_; }
  size_t size() const { return by_sql_.size(); }
  /// The name `sql` was prepared under, now the most recently used; nullptr if not prepared.
  const std::string* find(const std::string& sql);
  /// The name to prepare the next statement under (never reused within a session).
  std::string next_name() { return "commerce_stmt_" + std::to_string(++counter_); }
  /// Records `sql` as prepared under `name`.
  void add(const std::string& sql, std::string name);
  /// The least recently used entry's name, removed from the cache; the caller deallocates it.
  std::string evict_oldest();
  void clear() {
    by_sql_.clear();
    recency_.clear();
  }

private:
  struct entry {
    std::string sql;
    std::string name;
  };
  size_t capacity_;
  uint64_t counter_ = 0;
  std::list<entry> recency_;  // front: most recently used
  // Keys view the SQL inside recency_'s nodes, which stay put when the list moves.
  std::unordered_map<std::string_view, std::list<entry>::iterator> by_sql_;
};

class connection {
public:
  /// Connects or throws pg::error. `conninfo` is a libpq URI or key=value string. A positive
  /// `statement_timeout` cancels any statement running longer (SQLSTATE 57014), also after reset().
  /// exec() prepares each distinct SQL text once, keeping at most `prepared_statements` of them
  /// (0: never prepare).
  explicit connection(const std::string& conninfo,
                      std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0),
                      size_t prepared_statements = default_prepared_statements);
  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;

  static constexpr size_t default_prepared_statements = 256;

  /// Runs one statement with bound text parameters; throws pg::error on failure. The statement
  /// is prepared on its first run on this connection (parameter types from the SQL's ::casts)
  /// and executed by name afterwards, so PostgreSQL parses and plans it once per session.
  result exec(std::string_view sql, const params& args = {});
  /// Runs SQL without parameters, never prepared: several statements (migrations), or
  /// transaction control.
  void exec_script(const std::string& sql);

  /// Starts a transaction block with the next statement: its BEGIN goes out in the same round
  /// trip (libpq's pipeline mode), not in one of its own. A BEGIN still pending when the
  /// transaction ends was never sent: nothing ran, so there is nothing to commit or roll back.
  /// `settings` ("SET LOCAL ...") follow the BEGIN in the same round trip.
  void begin_with_next(std::vector<std::string> settings = {}) {
    begin_pending_ = true;
    begin_settings_ = std::move(settings);
  }
  /// Forgets a BEGIN not sent yet (and its settings); true if there was one.
  bool drop_pending_begin() {
    begin_settings_.clear();
    return std::exchange(begin_pending_, false);
  }
  /// Runs one statement as exec() does, then COMMIT, in one round trip. Throws the first failure:
  /// a failed statement skips the COMMIT (the block stays aborted for the caller's ROLLBACK).
  result exec_and_commit(std::string_view sql, const params& args = {});

  bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }
  /// Reconnects (PQreset), then restores the session settings a new session would lack. The
  /// new session has no prepared statements.
  void reset();
  /// How many statements this connection has prepared and keeps.
  size_t prepared_statements() const { return statements_.size(); }
  PGconn* native() const { return conn_.get(); }

private:
  void check(const result& r) const;
  /// BEGIN and its settings if one is pending (then no longer pending), else nothing.
  std::vector<std::string> take_pending_begin();
  /// `sql` after the pending BEGIN and its settings (if any) and before the unprepared,
  /// parameterless `after` (may be null), sent together and answered in one round trip; throws
  /// the first failure, as exec() would.
  result pipelined(std::string_view sql, const params& args, const char* after);
  void apply_session_settings();
  /// The name `sql` is prepared under, preparing it first if needed; nullptr when it must run
  /// unprepared (caching off). Throws the preparation's error, which is the statement's own.
  const std::string* prepared_name(const std::string& sql);
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::chrono::milliseconds statement_timeout_{0};
  statement_cache statements_;
  bool begin_pending_ = false;  ///< begin_with_next() ran; no statement since
  std::vector<std::string> begin_settings_;  ///< to send right after the pending BEGIN
};

/// BEGIN on construction, ROLLBACK on destruction unless commit() ran. `settings` ("SET LOCAL
/// ...") hold for this transaction only, and cost no round trip of their own.
class transaction {
public:
  explicit transaction(connection& c, std::vector<std::string> settings = {});
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();
  /// The transaction's last statement and its COMMIT, in one round trip.
  result commit_with(std::string_view sql, const params& args = {});
  result exec(std::string_view sql, const params& args = {}) { return conn_.exec(sql, args); }

private:
  connection& conn_;
  bool done_ = false;
};

std::string to_param(int64_t v);
std::string to_param(bool v);
/// An array literal of integers ("{1,2,3}"), for `= ANY($n::bigint[])` or `unnest($n::int[])`.
std::string to_param(const std::vector<int64_t>& values);
/// A text[] literal, every element quoted (so "NULL" stays a string), for `unnest($n::text[])`.
std::string to_param(const std::vector<std::string>& values);

}  // namespace commerce::pg
