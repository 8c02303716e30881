// The e-mail gateway interface: one implementation per provider (integrations/email/), chosen
// by EMAIL_PROVIDER. Calls block: run them on the gateway pool.
#pragma once

#include "integrations/gateway_client.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace commerce::integrations {

struct email_message {
  std::string to;
  std::string template_name;  ///< order_created, order_confirmation, order_shipped, order_refunded, verify_email
  std::string subject;
  std::optional<int64_t> order_id;
  std::map<std::string, std::string> data;
  /// Sent as the Idempotency-Key header where the provider de-duplicates by one (generic); a
  /// job's sends carry its task id, so a resend after a lost answer is not a second e-mail.
  std::string idempotency_key;
};

struct send_result {
  bool accepted = false;
  std::string detail;
};

class email_gateway {
public:
  virtual ~email_gateway() = default;
  virtual const std::string& provider() const = 0;
  virtual send_result send(const email_message& message) = 0;
};

struct email_credentials {
  std::string account_id;  ///< Mailgun domain, SMTP user name
  std::string secret;      ///< SendGrid/Mailgun API key, SMTP password (never logged)
  std::string from = "shop@localhost";
  bool require_starttls = false;  ///< SMTP
};

/// The provider named by EMAIL_PROVIDER; throws std::invalid_argument for an unknown one.
std::unique_ptr<email_gateway> make_email_gateway(const std::string& provider, const std::string& base_url,
                                                  std::shared_ptr<gateway_client> client,
                                                  const email_credentials& credentials = {});

/// The plain-text body every provider sends for a template (the providers' own templates are
/// not assumed to exist).
std::string email_text(const email_message& m);

// One factory per provider file.
std::unique_ptr<email_gateway> make_generic_email(std::string base_url, std::shared_ptr<gateway_client> client);
std::unique_ptr<email_gateway> make_sendgrid(std::string base_url, std::shared_ptr<gateway_client> client,
                                             email_credentials credentials);
std::unique_ptr<email_gateway> make_mailgun(std::string base_url, std::shared_ptr<gateway_client> client,
                                            email_credentials credentials);
std::unique_ptr<email_gateway> make_smtp(std::string url, std::shared_ptr<gateway_client> client,
                                         email_credentials credentials);

}  // namespace commerce::integrations
