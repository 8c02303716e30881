// The `generic` e-mail provider: the document's mock API, POST {base}/api/v1/emails/send with
// {to, template, subject, order_id|null, data}. Any 2xx means accepted.
#include "integrations/email_gateway.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>


namespace commerce::integrations {

namespace {

class generic_email final : public email_gateway {
public:
  generic_email(std::string base_url, std::shared_ptr<gateway_client> client)
    : base_(std::move(base_url)), client_(std::move(client)) {}

  const std::string& provider() const override { return name_; }

  send_result send(const email_message& m) override {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    w.StartObject();
    write_text(w, "to", m.to);
    write_text(w, "template", m.template_name);
    write_text(w, "subject", m.subject);
    w.Key("order_id");
    if (m.order_id)
      w.Int64(*m.order_id);
    else
      w.Null();
    w.Key("data");
    write_string_map(w, m.data);
    w.EndObject();
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!m.idempotency_key.empty())
      headers.push_back("Idempotency-Key: " + m.idempotency_key);
    // Not retried: a send that timed out may have gone out, and a second e-mail is worse.
    auto r = client_->call({name_, "send_email", "POST", base_ + "/api/v1/emails/send", std::move(headers),
                            buf.GetString(), false});
    return send_result_of(r);
  }

private:
  std::string name_ = "generic";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
};

}  // namespace

std::unique_ptr<email_gateway> make_generic_email(std::string base_url, std::shared_ptr<gateway_client> client) {
  return std::make_unique<generic_email>(std::move(base_url), std::move(client));
}

}  // namespace commerce::integrations
