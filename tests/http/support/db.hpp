// Test support: the test database, read directly (libpq, bound parameters).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace http_test {

/// The first column of the first row of `sql` run on TEST_DATABASE_URL, or std::nullopt for no
/// row or NULL. Throws on a connection or SQL error.
std::optional<std::string> db_value(const std::string& sql, const std::vector<std::string>& params = {});
/// db_value() as an integer; throws when it is absent.
int64_t db_int(const std::string& sql, const std::vector<std::string>& params = {});

/// db_value() on the database at `url` (a scratch_database's).
std::optional<std::string> db_value_at(const std::string& url, const std::string& sql,
                                       const std::vector<std::string>& params = {});

/// A database of one test's own, created on TEST_DATABASE_URL's server (CREATE DATABASE) and
/// dropped when the object goes (WITH (FORCE): a server still connected does not keep it). A
/// server on it shares no rows with the other tests' servers, so no one else's job claims them.
class scratch_database {
public:
  /// `tag`: lower-case letters, digits and '_' (part of the database's name).
  explicit scratch_database(const std::string& tag);
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;
  ~scratch_database();

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }  ///< TEST_DATABASE_URL with this database
  std::optional<std::string> value(const std::string& sql, const std::vector<std::string>& params = {}) const {
    return db_value_at(url_, sql, params);
  }

private:
  std::string name_;
  std::string url_;
};

/// The verify_email token the server put in email_outbox for `email` (latest one); throws if none.
std::string verification_token_for(const std::string& email);

}  // namespace http_test
