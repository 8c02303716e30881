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

/// The verify_email token the server put in email_outbox for `email` (latest one); throws if none.
std::string verification_token_for(const std::string& email);

}  // namespace http_test
