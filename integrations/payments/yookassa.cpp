// YooKassa API v3 (GATEWAYS.md §2.1): JSON bodies, HTTP Basic shopId:secretKey, the
// Idempotence-Key header on every POST, amounts as {"value": "100.00", "currency": "RUB"}.
//   POST {base}/payments   {amount, capture: true, confirmation: {type: redirect, return_url}, description, metadata}
//   GET  {base}/payments/{id}
//   POST {base}/refunds    {payment_id, amount, description}
// Statuses pending -> waiting_for_capture -> succeeded | canceled.
// Webhooks ({type: "notification", event, object}) carry no signature: a notification only
// names a payment, which must be one of our pending ones, and its status is re-read with GET
// /payments/{id}, so a forged notification can at most cause that read.
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace commerce::integrations {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_amount_object(writer& w, int64_t minor, const std::string& currency) {
  w.StartObject();
  write_text(w, "value", money_text(minor));
  write_text(w, "currency", currency);
  w.EndObject();
}

}  // namespace

payment_result answers::yookassa_payment(const outbound_response& r) {
  payment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.provider_payment_id = json_text(d, "id");
  auto confirmation = d.FindMember("confirmation");
  if (confirmation != d.MemberEnd())
    out.confirmation_url = json_text(confirmation->value, "confirmation_url");
  auto status = json_text(d, "status");
  out.outcome = outcome_of_status(status);
  if (out.outcome == gateway_outcome::gateway_error)
    out.detail = "YooKassa answered an unknown status '" + status + "'";
  return out;
}

namespace {

class yookassa final : public payment_gateway {
public:
  yookassa(std::string base_url, std::shared_ptr<gateway_client> client, payment_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      auth_(basic_auth_header(credentials.account_id, credentials.secret)) {}

  const std::string& provider() const override { return name_; }

  payment_result create(const charge_request& c) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("amount");
    write_amount_object(w, c.amount_minor, c.currency);
    w.Key("capture");
    w.Bool(true);  // one-stage: no separate capture call
    if (!c.payment_token.empty()) {
      write_text(w, "payment_token", c.payment_token);
    }
    w.Key("confirmation");
    w.StartObject();
    w.Key("type");
    w.String("redirect");
    write_text(w, "return_url", c.return_url);
    w.EndObject();
    write_text(w, "description", c.description);
    w.Key("metadata");
    w.StartObject();
    write_text(w, "order_id", std::to_string(c.order_id));
    w.EndObject();
    w.EndObject();
    // YooKassa deduplicates on Idempotence-Key, but API.md §6 says payment POSTs are never
    // retried automatically: a 500 means "outcome unknown", settled later by a status check.
    auto reply = client_->call({name_, "create_payment", "POST", base_ + "/payments",
                                {"Content-Type: application/json", auth_, "Idempotence-Key: " + c.idempotency_key},
                                buf.GetString(), false});
    return with_unknown_flag(answers::yookassa_payment(reply), reply);
  }

  payment_result fetch(const std::string& id) override {
    return answers::yookassa_payment(client_->call({name_, "get_payment", "GET", base_ + "/payments/" + id, {auth_}, "", true}));
  }

  refund_result refund(const refund_request& r) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    write_text(w, "payment_id", r.provider_payment_id);
    w.Key("amount");
    write_amount_object(w, r.amount_minor, r.currency);
    if (!r.reason.empty()) {
      write_text(w, "description", r.reason);
    }
    w.EndObject();
    auto reply = client_->call({name_, "create_refund", "POST", base_ + "/refunds",
                                {"Content-Type: application/json", auth_, "Idempotence-Key: " + r.idempotency_key},
                                buf.GetString(), false});
    return read_refund_answer(reply, {"canceled"}, "YooKassa");
  }

  std::optional<webhook_event> verify_webhook(const std::map<std::string, std::string>&, const std::string& body,
                                              int64_t) const override {
    rapidjson::Document d;
    if (!parse_untrusted_json(body, d).ok() || !d.IsObject() || json_text(d, "type") != "notification")
      return std::nullopt;
    auto object = d.FindMember("object");
    if (object == d.MemberEnd() || !object->value.IsObject())
      return std::nullopt;
    webhook_event event;
    event.type = json_text(d, "event");
    // refund.succeeded describes a refund, whose payment_id names the payment.
    event.provider_payment_id =
      json_text(object->value, event.type.rfind("refund.", 0) == 0 ? "payment_id" : "id");
    if (event.provider_payment_id.empty())
      return std::nullopt;
    return event;
  }

private:
  std::string name_ = "yookassa";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  std::string auth_;
};

}  // namespace

std::unique_ptr<payment_gateway> make_yookassa(std::string base_url, std::shared_ptr<gateway_client> client,
                                               payment_credentials credentials) {
  return std::make_unique<yookassa>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
