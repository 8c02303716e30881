// Twilio Messages (GATEWAYS.md §2.3): POST {base}/Accounts/{AccountSid}/Messages.json,
// form-encoded To, From, Body, with HTTP Basic AccountSid:AuthToken. 201 {sid, status:"queued"}.
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/sms_gateway.hpp"

namespace commerce::integrations {

bool answers::twilio_accepted(const outbound_response& reply) {
  rapidjson::Document d;
  gateway_outcome outcome;
  std::string detail;
  if (!usable_answer(reply, d, outcome, detail))
    return false;
  auto status = json_text(d, "status");
  return status != "failed" && status != "undelivered" && status != "canceled";
}

namespace {

class twilio final : public sms_gateway {
public:
  twilio(std::string base_url, std::shared_ptr<gateway_client> client, sms_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      account_(credentials.account_id),
      from_(credentials.sender),
      auth_(basic_auth_header(credentials.account_id, credentials.secret)) {}

  const std::string& provider() const override { return name_; }

  bool send(const sms_message& m) override {
    auto reply = client_->call({name_, "send_sms", "POST", base_ + "/Accounts/" + account_ + "/Messages.json",
                                {"Content-Type: application/x-www-form-urlencoded", auth_},
                                form_encode({{"To", m.to}, {"From", from_}, {"Body", m.text}}), false});
    return answers::twilio_accepted(reply);
  }

private:
  std::string name_ = "twilio";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  std::string account_;
  std::string from_;
  std::string auth_;
};

}  // namespace

std::unique_ptr<sms_gateway> make_twilio(std::string base_url, std::shared_ptr<gateway_client> client,
                                         sms_credentials credentials) {
  return std::make_unique<twilio>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
