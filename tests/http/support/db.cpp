#include "tests/http/support/db.hpp"

#include "tests/http/support/process.hpp"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace http_test {

std::optional<std::string> db_value(const std::string& sql, const std::vector<std::string>& params) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(test_database_url().c_str()), &PQfinish};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to TEST_DATABASE_URL: " + std::string{PQerrorMessage(conn.get())});
  std::vector<const char*> values;
  for (const auto& p : params)
    values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> res{
    PQexecParams(conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0),
    &PQclear};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error("query failed: " + sql + ": " + std::string{PQerrorMessage(conn.get())});
  if (PQntuples(res.get()) < 1 || PQnfields(res.get()) < 1 || PQgetisnull(res.get(), 0, 0))
    return std::nullopt;
  return std::string{PQgetvalue(res.get(), 0, 0)};
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
