// SendGrid v3 (GATEWAYS.md §2.3): POST {base}/mail/send, Authorization: Bearer <API key>, JSON
// {personalizations:[{to:[{email}], dynamic_template_data}], from:{email}, subject, content:[{type, value}]}.
// 202 Accepted with an empty body.
#include "integrations/email_gateway.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace commerce::integrations {

namespace {

class sendgrid final : public email_gateway {
public:
  sendgrid(std::string base_url, std::shared_ptr<gateway_client> client, email_credentials credentials)
    : base_(std::move(base_url)), client_(std::move(client)), credentials_(std::move(credentials)) {}

  const std::string& provider() const override { return name_; }

  send_result send(const email_message& m) override {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    w.StartObject();
    w.Key("personalizations");
    w.StartArray();
    w.StartObject();
    w.Key("to");
    w.StartArray();
    w.StartObject();
    write_text(w, "email", m.to);
    w.EndObject();
    w.EndArray();
    w.Key("dynamic_template_data");
    write_string_map(w, m.data);
    w.EndObject();
    w.EndArray();
    w.Key("from");
    w.StartObject();
    write_text(w, "email", credentials_.from);
    w.EndObject();
    write_text(w, "subject", m.subject);
    w.Key("content");
    w.StartArray();
    w.StartObject();
    w.Key("type");
    w.String("text/plain");
    write_text(w, "value", email_text(m));
    w.EndObject();
    w.EndArray();
    w.EndObject();
    auto r = client_->call({name_, "send_email", "POST", base_ + "/mail/send",
                            {"Content-Type: application/json", "Authorization: Bearer " + credentials_.secret},
                            buf.GetString(), false});
    return send_result_of(r);
  }

private:
  std::string name_ = "sendgrid";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  email_credentials credentials_;
};

}  // namespace

std::unique_ptr<email_gateway> make_sendgrid(std::string base_url, std::shared_ptr<gateway_client> client,
                                             email_credentials credentials) {
  return std::make_unique<sendgrid>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
