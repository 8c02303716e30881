// SMS.ru (GATEWAYS.md §2.3): POST {base}/sms/send, form-encoded api_id, to, msg, json=1 and an
// optional from. The answer is HTTP 200 either way: {status:"OK", sms:{<phone>:{status:"OK", ...}}}
// or status "ERROR".
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "integrations/sms_gateway.hpp"

namespace commerce::integrations {

bool answers::sms_ru_accepted(const outbound_response& reply, const std::string& to) {
  rapidjson::Document d;
  gateway_outcome outcome;
  std::string detail;
  if (!usable_answer(reply, d, outcome, detail) || json_text(d, "status") != "OK")
    return false;
  auto sms = d.FindMember("sms");
  if (sms == d.MemberEnd() || !sms->value.IsObject())
    return true;
  auto mine = sms->value.FindMember(to.c_str());
  return mine == sms->value.MemberEnd() || json_text(mine->value, "status") == "OK";
}

namespace {

class sms_ru final : public sms_gateway {
public:
  sms_ru(std::string base_url, std::shared_ptr<gateway_client> client, sms_credentials credentials)
    : base_(std::move(base_url)), client_(std::move(client)), credentials_(std::move(credentials)) {}

  const std::string& provider() const override { return name_; }

  bool send(const sms_message& m) override {
    auto to = m.to.rfind('+', 0) == 0 ? m.to.substr(1) : m.to;  // SMS.ru numbers carry no '+'
    std::vector<std::pair<std::string, std::string>> form = {
      {"api_id", credentials_.secret}, {"to", to}, {"msg", m.text}, {"json", "1"}};
    if (!credentials_.sender.empty())
      form.emplace_back("from", credentials_.sender);
    auto reply = client_->call({name_, "send_sms", "POST", base_ + "/sms/send",
                                {"Content-Type: application/x-www-form-urlencoded"}, form_encode(form), false});
    return answers::sms_ru_accepted(reply, to);
  }

private:
  std::string name_ = "sms_ru";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  sms_credentials credentials_;
};

}  // namespace

std::unique_ptr<sms_gateway> make_sms_ru(std::string base_url, std::shared_ptr<gateway_client> client,
                                         sms_credentials credentials) {
  return std::make_unique<sms_ru>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
