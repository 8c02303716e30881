// The user domain's rules, as pure functions: e-mail normalisation and format, password
// policy, phone format, name length. Each check returns the reason a user can act on, or nothing.
#pragma once

#include <optional>
#include <string>

namespace commerce::actors::rules {

/// Trims surrounding white space and lower-cases ASCII letters.
std::string normalize_email(const std::string& raw);

/// `local@domain.tld`, at most 254 characters; the local part may hold letters, digits and `._+-`.
std::optional<std::string> check_email(const std::string& normalized);

/// 8–128 characters, at least one letter and one digit, and not the e-mail itself.
std::optional<std::string> check_password(const std::string& password, const std::string& email);

/// The most bytes a password may have in any request (login, register, change-password): checked
/// before any hashing, so nobody makes Argon2 chew on megabytes.
inline constexpr size_t max_password_bytes = 1024;
std::optional<std::string> check_password_size(const std::string& password);

/// E.164: `+` then 10–15 digits.
std::optional<std::string> check_phone(const std::string& phone);

/// First and last names: at most 150 characters (UTF-8 code points).
std::optional<std::string> check_name(const std::string& name);

}  // namespace commerce::actors::rules
