// Mailgun (GATEWAYS.md §2.3): POST {base}/{domain}/messages, HTTP Basic api:<API key>,
// form-encoded from, to, subject, text. 200 {id, message}.
#include "integrations/email_gateway.hpp"
#include "integrations/provider_support.hpp"

namespace commerce::integrations {

namespace {

class mailgun final : public email_gateway {
public:
  mailgun(std::string base_url, std::shared_ptr<gateway_client> client, email_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      credentials_(std::move(credentials)),
      auth_(basic_auth_header("api", credentials_.secret)) {}

  const std::string& provider() const override { return name_; }

  send_result send(const email_message& m) override {
    auto body = form_encode({{"from", credentials_.from}, {"to", m.to}, {"subject", m.subject}, {"text", email_text(m)}});
    auto r = client_->call({name_, "send_email", "POST", base_ + "/" + credentials_.account_id + "/messages",
                            {"Content-Type: application/x-www-form-urlencoded", auth_}, body, false});
    return send_result_of(r);
  }

private:
  std::string name_ = "mailgun";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  email_credentials credentials_;
  std::string auth_;
};

}  // namespace

std::unique_ptr<email_gateway> make_mailgun(std::string base_url, std::shared_ptr<gateway_client> client,
                                            email_credentials credentials) {
  return std::make_unique<mailgun>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
