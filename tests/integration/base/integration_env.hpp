// The environment a category program reads (the stack exports it, the runner passes it through):
// the app and mock URLs, the SMTP maildir, the staff account and the task timeout. A missing or
// malformed value throws std::runtime_error naming the variable, so the case fails with a line
// that says what to set instead of a connection error somewhere later.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace integration {

/// The value of `name`, or std::nullopt when it is unset or empty.
std::optional<std::string> optional_env(const char* name);
/// The value of `name`; throws naming it when it is unset or empty.
std::string required_env(const char* name);
/// An http:// or https:// base URL from `name`, without a trailing slash; throws naming the
/// variable when it is missing or not such a URL.
std::string required_url(const char* name);

/// APP_URL: the document's app (commerce-server --role api with the generic providers).
std::string app_url();
/// PAYMENT_MOCK_URL, SHIPPING_MOCK_URL, EMAIL_MOCK_URL, SMS_MOCK_URL, INVENTORY_MOCK_URL.
std::string payment_mock_url();
std::string shipping_mock_url();
std::string email_mock_url();
std::string sms_mock_url();
std::string inventory_mock_url();
/// APP_URL_PROVIDERS_A, _B or _C (`stack` is 'A', 'B' or 'C'; anything else throws).
std::string provider_stack_url(char stack);
/// SMTP_MAILDIR: the directory the SMTP test server writes its maildir into.
std::string smtp_maildir();
/// ADMIN_EMAIL and ADMIN_PASSWORD: the staff account the server creates at start-up.
std::string admin_email();
std::string admin_password();
/// INTEGRATION_TASK_TIMEOUT_SECONDS (default 60, 1..3600): how long polling one task may take.
std::chrono::seconds task_timeout();

}  // namespace integration
