#include "tests/http/support/db.hpp"

#include "tests/http/support/builders.hpp"
#include "tests/http/support/process.hpp"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace http_test {

namespace {

using pg_conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using pg_result = std::unique_ptr<PGresult, decltype(&PQclear)>;

pg_conn connect_to(const std::string& url) {
  pg_conn conn{PQconnectdb(url.c_str()), &PQfinish};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to the test database: " + std::string{PQerrorMessage(conn.get())});
  return conn;
}

/// Runs one utility statement (CREATE / DROP DATABASE: no parameters, no transaction).
void run_command(PGconn* conn, const std::string& sql) {
  pg_result res{PQexec(conn, sql.c_str()), &PQclear};
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error("failed: " + sql + ": " + std::string{PQerrorMessage(conn)});
}

/// `url` naming database `name` instead: the path of a postgresql:// URL, or a trailing dbname=
/// for libpq's key=value form (the last value of a keyword wins).
std::string with_database(const std::string& url, const std::string& name) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return url + " dbname=" + name;
  auto query = url.find('?', scheme_end + 3);
  auto path = url.find('/', scheme_end + 3);
  if (path == std::string::npos || (query != std::string::npos && path > query))
    path = query == std::string::npos ? url.size() : query;  // no database in the URL: insert one
  auto rest = query == std::string::npos ? std::string{} : url.substr(query);
  return url.substr(0, path) + "/" + name + rest;
}

}  // namespace

std::optional<std::string> db_value_at(const std::string& url, const std::string& sql,
                                       const std::vector<std::string>& params) {
  auto conn = connect_to(url);
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  pg_result res{
    PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
    &PQclear};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error("query failed: " + sql + ": " + std::string{PQerrorMessage(conn.get())});
  if (PQntuples(res.get()) < 1 || PQnfields(res.get()) < 1 || PQgetisnull(res.get(), 0, 0))
    return std::nullopt;
  return std::string{PQgetvalue(res.get(), 0, 0)};
}

std::optional<std::string> db_value(const std::string& sql, const std::vector<std::string>& params) {
  return db_value_at(test_database_url(), sql, params);
}

scratch_database::scratch_database(const std::string& tag) {
  name_ = unique_tag("http_" + tag + "_");  // pid, counter and time: no two alike in a run
  auto conn = connect_to(test_database_url());
  run_command(conn.get(), "CREATE DATABASE \"" + name_ + "\"");
  url_ = with_database(test_database_url(), name_);
}

scratch_database::~scratch_database() {
  try {
    auto conn = connect_to(test_database_url());
    run_command(conn.get(), "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover scratch database costs disk only; the throwaway cluster goes with the run.
  }
}

int64_t db_int(const std::string& sql, const std::vector<std::string>& params) {
  auto v = db_value(sql, params);
  if (!v)
    throw std::runtime_error("no value from: " + sql);
  return std::stoll(*v);
}

std::string verification_token_for(const std::string& email) {
  auto token = db_value("SELECT payload->>'token' FROM email_outbox WHERE recipient = $1 AND template = 'verify_email' "
                        "ORDER BY id DESC LIMIT 1",
                        {email});
  if (!token)
    throw std::runtime_error("no verify_email row in email_outbox for " + email);
  return *token;
}

}  // namespace http_test
