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

/// The provider named by EMAIL_PROVIDER; throws std::invalid_argument for an unknown one.
std::unique_ptr<email_gateway> make_email_gateway(const std::string& provider, const std::string& base_url,
                                                  std::shared_ptr<gateway_client> client);

}  // namespace commerce::integrations
