#include "persistence/pg.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
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

/// The parameters as libpq takes them (null for SQL NULL), pointing into `args`.
std::vector<const char*> param_values(const params& args) {
  std::vector<const char*> values;
  values.reserve(args.size());
  for (const auto& a : args)
    values.push_back(a ? a->c_str() : nullptr);
  return values;
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

const std::string* statement_cache::find(const std::string& sql) {
  auto found = by_sql_.find(sql);
  if (found == by_sql_.end())
    return nullptr;
  recency_.splice(recency_.begin(), recency_, found->second);
  return &found->second->name;
}

void statement_cache::add(const std::string& sql, std::string name) {
  recency_.push_front(entry{sql, std::move(name)});
  by_sql_[recency_.front().sql] = recency_.begin();
}

std::string statement_cache::evict_oldest() {
  auto name = std::move(recency_.back().name);
  by_sql_.erase(recency_.back().sql);
  recency_.pop_back();
  return name;
}

connection::connection(const std::string& conninfo, std::chrono::milliseconds statement_timeout,
                       size_t prepared_statements)
  : conn_(PQconnectdb(conninfo.c_str()), &PQfinish),
    statement_timeout_(statement_timeout),
    statements_(prepared_statements) {
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
  statements_.clear();  // they lived in the old session
  begin_pending_ = false;
  PQreset(conn_.get());
  if (ok())
    apply_session_settings();
}

void connection::apply_session_settings() {
  // SET rather than the conninfo's `options`: the URL may carry options of its own, and a SET
  // works the same through poolers such as PgBouncer (session mode).
  if (statement_timeout_.count() > 0)
    exec_script("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
}

const std::string* connection::prepared_name(const std::string& sql) {
  if (statements_.capacity() == 0)
    return nullptr;
  if (const auto* name = statements_.find(sql))
    return name;
  // Inside an aborted transaction nothing can be prepared or deallocated: run it unprepared,
  // which fails with 25P02 as the statement would, and leaves the cache as the session has it.
  if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR)
    return nullptr;
  if (statements_.size() >= statements_.capacity()) {
    // Before preparing, so a session never holds more than the capacity. Prepared statements
    // are not transactional: DEALLOCATE takes effect even if the transaction later rolls back.
    auto oldest = statements_.evict_oldest();
    result gone{PQexec(conn_.get(), ("DEALLOCATE " + oldest).c_str())};
    if (PQresultStatus(gone.native()) != PGRES_COMMAND_OK)
      spdlog::debug("cannot deallocate {}: {}", oldest, PQresultErrorMessage(gone.native()));
  }
  auto name = statements_.next_name();
  // 0 parameter types: every parameter's type comes from its ::cast in the SQL, or is text.
  result prepared{PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr)};
  check(prepared);  // not cached unless prepared (inside an aborted transaction it fails: 25P02)
  statements_.add(sql, std::move(name));
  return statements_.find(sql);
}

result connection::exec(std::string_view sql, const params& args) {
  if (begin_pending_)
    return pipelined(sql, args, nullptr);
  auto values = param_values(args);
  std::string statement{sql};
  const auto* name = prepared_name(statement);
  result r{name ? PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(values.size()), values.data(),
                                 nullptr, nullptr, 0)
                : PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0)};
  if (name && sqlstate_of(r.native()) == "26000")  // deallocated behind our back (DISCARD ALL)
    statements_.clear();
  check(r);
  return r;
}

void connection::exec_script(const std::string& sql) {
  // A pending BEGIN (and its settings) goes first in the same simple-protocol message (it may
  // hold several statements).
  std::string script;
  for (const auto& statement : take_pending_begin())
    script += statement + "; ";
  script += sql;
  result r{PQexec(conn_.get(), script.c_str())};
  check(r);
}

result connection::exec_and_commit(std::string_view sql, const params& args) {
  return pipelined(sql, args, "COMMIT");
}

result connection::pipelined(std::string_view sql, const params& args, const char* after) {
  auto before = take_pending_begin();
  std::string statement{sql};
  const auto* name = prepared_name(statement);  // a round trip of its own, once per session
  auto values = param_values(args);
  PGconn* c = conn_.get();
  if (!PQenterPipelineMode(c))
    throw error(std::string{"cannot enter pipeline mode: "} + PQerrorMessage(c), "");
  auto send_plain = [c](const char* text) { return PQsendQueryParams(c, text, 0, nullptr, nullptr, nullptr, nullptr, 0); };
  bool sent = std::all_of(before.begin(), before.end(), [&](const std::string& s) { return send_plain(s.c_str()); }) &&
              (name ? PQsendQueryPrepared(c, name->c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0)
                    : PQsendQueryParams(c, statement.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                        nullptr, nullptr, 0)) &&
              (!after || send_plain(after)) && PQpipelineSync(c);
  // Each query answers one result, then a null; the sync answers PGRES_PIPELINE_SYNC. A query
  // after a failed one answers PGRES_PIPELINE_ABORTED. On a lost connection results stop coming
  // (null), and the first check below throws the connection's error.
  auto next = [c] {
    result r{PQgetResult(c)};
    if (r.native())
      while (PGresult* extra = PQgetResult(c))  // up to the null that ends this query's results
        PQclear(extra);
    return r;
  };
  std::vector<result> firsts;
  result main{nullptr}, last{nullptr};
  if (sent) {
    for (size_t i = 0; i < before.size(); ++i)
      firsts.push_back(next());
    main = next();
    if (after)
      last = next();
    while (PGresult* rest = PQgetResult(c)) {  // the sync (and nothing else, normally)
      bool synced = PQresultStatus(rest) == PGRES_PIPELINE_SYNC;
      PQclear(rest);
      if (synced)
        break;
    }
  }
  PQexitPipelineMode(c);
  if (!sent)
    check(result{nullptr});
  for (const auto& first : firsts)
    check(first);
  if (name && sqlstate_of(main.native()) == "26000")  // deallocated behind our back (DISCARD ALL)
    statements_.clear();
  check(main);
  if (after)
    check(last);
  return main;
}

std::vector<std::string> connection::take_pending_begin() {
  std::vector<std::string> out;
  if (begin_pending_) {
    out.emplace_back("BEGIN");
    for (auto& setting : begin_settings_)
      out.push_back(std::move(setting));
  }
  drop_pending_begin();
  return out;
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
std::string to_param(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (auto v : values)
    out += (out.size() > 1 ? "," : "") + std::to_string(v);
  return out + "}";
}

std::string to_param(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\')
        out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

// Transaction control runs unprepared (nothing to plan): BEGIN with the first statement, COMMIT
// alone or with the last one (commit_with).
transaction::transaction(connection& c, std::vector<std::string> settings) : conn_(c) {
  conn_.begin_with_next(std::move(settings));
}

transaction::~transaction() {
  if (!done_ && !conn_.drop_pending_begin()) {
    try {
      conn_.exec_script("ROLLBACK");
    } catch (const std::exception& e) {
      spdlog::warn("rollback failed: {}", e.what());
    }
  }
}

void transaction::commit() {
  if (!conn_.drop_pending_begin())
    conn_.exec_script("COMMIT");
  done_ = true;
}

result transaction::commit_with(std::string_view sql, const params& args) {
  auto r = conn_.exec_and_commit(sql, args);
  done_ = true;
  return r;
}

}  // namespace commerce::pg
