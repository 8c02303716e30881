// The SMS gateway interface: one implementation per provider (integrations/sms/), chosen by
// SMS_PROVIDER; unset means no SMS. Calls block: run them on the gateway pool.
#pragma once

#include "integrations/gateway_client.hpp"

#include <memory>
#include <string>

namespace commerce::integrations {

struct sms_message {
  std::string to;  ///< E.164
  std::string text;
};

struct sms_credentials {
  std::string account_id;  ///< Twilio AccountSid
  std::string secret;      ///< Twilio auth token, SMS.ru api_id (never logged)
  std::string sender;      ///< Twilio From number; SMS.ru sender name (optional)
};

class sms_gateway {
public:
  virtual ~sms_gateway() = default;
  virtual const std::string& provider() const = 0;
  /// True when the provider accepted the message for delivery.
  virtual bool send(const sms_message& message) = 0;
};

/// twilio or sms_ru; throws std::invalid_argument for another name.
std::unique_ptr<sms_gateway> make_sms_gateway(const std::string& provider, const std::string& base_url,
                                              std::shared_ptr<gateway_client> client, sms_credentials credentials);

// One factory per provider file.
std::unique_ptr<sms_gateway> make_twilio(std::string base_url, std::shared_ptr<gateway_client> client,
                                         sms_credentials credentials);
std::unique_ptr<sms_gateway> make_sms_ru(std::string base_url, std::shared_ptr<gateway_client> client,
                                         sms_credentials credentials);

}  // namespace commerce::integrations
