#include "actors/user_rules.hpp"

#include <cctype>

namespace commerce::actors::rules {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

bool valid_domain(const std::string& domain) {
  // Labels of letters, digits and inner hyphens, separated by dots, with an alphabetic TLD.
  if (domain.empty() || domain.size() > 253)
    return false;
  size_t start = 0;
  int labels = 0;
  std::string last;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    auto label = domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-')
        return false;
    ++labels;
    last = label;
    if (dot == std::string::npos)
      break;
    start = dot + 1;
  }
  if (labels < 2 || last.size() < 2)
    return false;
  for (char c : last)
    if (!std::isalpha(static_cast<unsigned char>(c)))
      return false;
  return true;
}

}  // namespace

std::string normalize_email(const std::string& raw) {
  auto b = raw.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  auto e = raw.find_last_not_of(" \t\r\n");
  std::string s = raw.substr(b, e - b + 1);
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::optional<std::string> check_email(const std::string& email) {
  if (email.empty())
    return "this field is required";
  if (email.size() > 254)
    return "must be at most 254 characters";
  auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos)
    return "enter a valid email address";
  auto local = email.substr(0, at);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
    return "enter a valid email address";
  for (char c : local)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '-')
      return "enter a valid email address";
  if (!valid_domain(email.substr(at + 1)))
    return "enter a valid email address";
  return std::nullopt;
}

std::optional<std::string> check_password(const std::string& password, const std::string& email) {
  auto length = utf8_length(password);
  if (length < 8)
    return "must be at least 8 characters";
  if (length > 128)
    return "must be at most 128 characters";
  bool letter = false, digit = false;
  for (unsigned char c : password) {
    letter = letter || std::isalpha(c) || c >= 0x80;  // non-ASCII letters count as letters
    digit = digit || std::isdigit(c);
  }
  if (!letter || !digit)
    return "must contain at least one letter and one digit";
  if (!email.empty() && normalize_email(password) == email)
    return "must not be the email address";
  return std::nullopt;
}

std::optional<std::string> check_password_size(const std::string& password) {
  if (password.size() > max_password_bytes)
    return "must be at most " + std::to_string(max_password_bytes) + " bytes";
  return std::nullopt;
}

std::optional<std::string> check_phone(const std::string& phone) {
  if (phone.size() < 11 || phone.size() > 16 || phone[0] != '+')
    return "must be in E.164 format: + followed by 10 to 15 digits";
  for (size_t i = 1; i < phone.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(phone[i])))
      return "must be in E.164 format: + followed by 10 to 15 digits";
  return std::nullopt;
}

std::optional<std::string> check_name(const std::string& name) {
  if (utf8_length(name) > 150)
    return "must be at most 150 characters";
  return std::nullopt;
}

}  // namespace commerce::actors::rules
