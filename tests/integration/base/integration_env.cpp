#include "tests/integration/base/integration_env.hpp"

#include <cstdlib>
#include <stdexcept>

namespace integration {

std::optional<std::string> optional_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    return std::nullopt;
  return std::string{v};
}

std::string required_env(const char* name) {
  auto v = optional_env(name);
  if (!v)
    throw std::runtime_error(std::string{"integration tests: environment variable "} + name +
                             " is not set (scripts/integration exports it; when running a category program by "
                             "hand, export it yourself)");
  return *v;
}

std::string required_url(const char* name) {
  auto url = required_env(name);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw std::runtime_error(std::string{"integration tests: "} + name + "='" + url +
                             "' is not an http:// or https:// URL");
  while (url.size() > 8 && url.back() == '/')
    url.pop_back();
  return url;
}

std::string app_url() { return required_url("APP_URL"); }
std::string payment_mock_url() { return required_url("PAYMENT_MOCK_URL"); }
std::string shipping_mock_url() { return required_url("SHIPPING_MOCK_URL"); }
std::string email_mock_url() { return required_url("EMAIL_MOCK_URL"); }
std::string sms_mock_url() { return required_url("SMS_MOCK_URL"); }
std::string inventory_mock_url() { return required_url("INVENTORY_MOCK_URL"); }

std::string provider_stack_url(char stack) {
  switch (stack) {
    case 'A': return required_url("APP_URL_PROVIDERS_A");
    case 'B': return required_url("APP_URL_PROVIDERS_B");
    case 'C': return required_url("APP_URL_PROVIDERS_C");
    default: throw std::invalid_argument(std::string{"provider_stack_url: no provider stack '"} + stack + "' (A, B or C)");
  }
}

std::string smtp_maildir() { return required_env("SMTP_MAILDIR"); }
std::string admin_email() { return required_env("ADMIN_EMAIL"); }
std::string admin_password() { return required_env("ADMIN_PASSWORD"); }

std::chrono::seconds task_timeout() {
  auto text = optional_env("INTEGRATION_TASK_TIMEOUT_SECONDS");
  if (!text)
    return std::chrono::seconds(60);
  size_t used = 0;
  long seconds = 0;
  try {
    seconds = std::stol(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || seconds < 1 || seconds > 3600)
    throw std::runtime_error("integration tests: INTEGRATION_TASK_TIMEOUT_SECONDS='" + *text +
                             "' is not a whole number of seconds in 1..3600");
  return std::chrono::seconds(seconds);
}

}  // namespace integration
