#include "persistence/pg.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace commerce::pg {

namespace {

void log_notice(void*, const char* message) {
  // libpq writes NOTICEs to stderr by default; route them through the logger instead.
  std::string_view text{message};
  while (!text.empty() && text.back() == '\n')
    text.remove_suffix(1);
  spdlog::debug("postgres: {}", text);
}

std::string sqlstate_of(const PGresult* r) {
  const char* code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return code ? code : "";
}

}  // namespace

int64_t result::int64(int row, int col) const {
  auto t = text(row, col);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc{} || ptr != t.data() + t.size())
    throw error("column " + std::to_string(col) + " is not an integer", "");
  return value;
}

int64_t result::affected() const {
  const char* n = PQcmdTuples(res_.get());
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

connection::connection(const std::string& conninfo, std::chrono::milliseconds statement_timeout)
  : conn_(PQconnectdb(conninfo.c_str()), &PQfinish), statement_timeout_(statement_timeout) {
  if (!conn_)
    throw error("out of memory creating a PostgreSQL connection", "");
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn_.get());
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    throw error("cannot connect to PostgreSQL: " + why, "");
  }
  PQsetNoticeProcessor(conn_.get(), &log_notice, nullptr);
  apply_session_settings();
}

void connection::reset() {
  PQreset(conn_.get());
  if (ok())
    apply_session_settings();
}

void connection::apply_session_settings() {
  // SET rather than the conninfo's `options`: the URL may carry options of its own, and a SET
  // works the same through poolers such as PgBouncer (session mode).
  if (statement_timeout_.count() > 0)
    exec("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
}

result connection::exec(std::string_view sql, const params& args) {
  std::vector<const char*> values;
  values.reserve(args.size());
  for (const auto& a : args)
    values.push_back(a ? a->c_str() : nullptr);
  std::string statement{sql};
  result r{PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                        values.data(), nullptr, nullptr, 0)};
  check(r);
  return r;
}

void connection::exec_script(const std::string& sql) {
  result r{PQexec(conn_.get(), sql.c_str())};
  check(r);
}

void connection::check(const result& r) const {
  auto status = PQresultStatus(r.native());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return;
  std::string why = r.native() ? PQresultErrorMessage(r.native()) : PQerrorMessage(conn_.get());
  while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
    why.pop_back();
  throw error(why.empty() ? "PostgreSQL statement failed" : why, sqlstate_of(r.native()));
}

std::string to_param(int64_t v) { return std::to_string(v); }
std::string to_param(bool v) { return v ? "true" : "false"; }

transaction::transaction(connection& c) : conn_(c) { conn_.exec("BEGIN"); }

transaction::~transaction() {
  if (!done_) {
    try {
      conn_.exec("ROLLBACK");
    } catch (const std::exception& e) {
      spdlog::warn("rollback failed: {}", e.what());
    }
  }
}

void transaction::commit() {
  conn_.exec("COMMIT");
  done_ = true;
}

}  // namespace commerce::pg
