// RAII wrappers over libpq: a connection, a result, a transaction, and the error type
// every repository throws. Parameters are always bound ($1, $2, ...), never spliced into SQL.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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

class connection {
public:
  /// Connects or throws pg::error. `conninfo` is a libpq URI or key=value string. A positive
  /// `statement_timeout` cancels any statement running longer (SQLSTATE 57014), also after reset().
  explicit connection(const std::string& conninfo,
                      std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));
  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;

  /// Runs one statement with bound text parameters; throws pg::error on failure.
  result exec(std::string_view sql, const params& args = {});
  /// Runs several statements without parameters (migrations).
  void exec_script(const std::string& sql);

  bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }
  /// Reconnects (PQreset), then restores the session settings a new session would lack.
  void reset();
  PGconn* native() const { return conn_.get(); }

private:
  void check(const result& r) const;
  void apply_session_settings();
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::chrono::milliseconds statement_timeout_{0};
};

/// BEGIN on construction, ROLLBACK on destruction unless commit() ran.
class transaction {
public:
  explicit transaction(connection& c);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();
  result exec(std::string_view sql, const params& args = {}) { return conn_.exec(sql, args); }

private:
  connection& conn_;
  bool done_ = false;
};

std::string to_param(int64_t v);
std::string to_param(bool v);

}  // namespace commerce::pg
