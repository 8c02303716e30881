// CloudPayments (GATEWAYS.md §2.1): JSON with PascalCase fields, HTTP Basic PublicId:ApiSecret,
// X-Request-ID for idempotency, and answers that are HTTP 200 with {Success, Message, Model}.
//   POST {base}/payments/cards/charge   {Amount, Currency, AccountId, CardCryptogramPacket, IpAddress, InvoiceId, Description}
//   POST {base}/payments/tokens/charge  {Amount, Currency, AccountId, Token, TrInitiatorCode, InvoiceId, Description}
//        (a saved card: payment_token starting "tk_"; otherwise payment_token is the widget's cryptogram)
//   POST {base}/payments/get            {TransactionId}
//   POST {base}/payments/find           {InvoiceId} (our order: settles a charge whose answer never came)
//   POST {base}/payments/refund         {TransactionId, Amount}
// Model.Status: Completed -> succeeded; Authorized, AwaitingAuthentication (3-D Secure) -> pending;
// Declined, Cancelled -> failed.
// Success:false with Model.AcsUrl means 3-D Secure: pending, the buyer goes to AcsUrl.
// Notifications (Pay, Fail, Confirm, ...; form-encoded or JSON) are signed with Content-HMAC =
// base64(HMAC-SHA256(ApiSecret, raw body)); they name InvoiceId (our order) and TransactionId,
// and are answered {"code":0}. The status is then re-read with /payments/get.
#include "common/digest.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace commerce::integrations {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// TransactionId is a number at CloudPayments; anything else is sent as a string, never raw.
void write_transaction_id(writer& w, const std::string& id) {
  bool numeric = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (numeric)
    w.RawValue(id.c_str(), id.size(), rapidjson::kNumberType);
  else
    w.String(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
}

/// CloudPayments' envelope flag: `"Success": true` (anything else, or none, is not).
bool succeeded(const rapidjson::Document& d) {
  auto flag = d.FindMember("Success");
  return flag != d.MemberEnd() && flag->value.IsBool() && flag->value.GetBool();
}

}  // namespace

payment_result answers::cloudpayments_payment(const outbound_response& r) {
  payment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  auto success = succeeded(d);
  auto model = d.FindMember("Model");
  bool has_model = model != d.MemberEnd() && model->value.IsObject();
  if (has_model) {
    out.provider_payment_id = json_text(model->value, "TransactionId");
    auto acs = json_text(model->value, "AcsUrl");
    if (!success && !acs.empty()) {
      out.outcome = gateway_outcome::pending;  // 3-D Secure: the buyer confirms at the bank
      out.confirmation_url = acs;
      return out;
    }
  }
  auto status = has_model ? json_text(model->value, "Status") : "";
  if (status == "Completed")
    out.outcome = gateway_outcome::succeeded;
  else if (status == "Authorized" || status == "AwaitingAuthentication")
    out.outcome = gateway_outcome::pending;  // captured later, or the buyer is at the bank (3-D Secure)
  else if (status == "Declined" || status == "Cancelled" || !success) {
    out.outcome = gateway_outcome::failed;
    out.detail = "CloudPayments: " + (has_model ? json_text(model->value, "CardHolderMessage") : json_text(d, "Message"));
  } else {
    out.outcome = gateway_outcome::gateway_error;
    out.detail = "CloudPayments answered an unknown status '" + status + "'";
  }
  return out;
}

refund_result answers::cloudpayments_refund(const outbound_response& reply) {
  refund_result out;
  rapidjson::Document d;
  if (!usable_answer(reply, d, out.outcome, out.detail))
    return out;
  bool success = succeeded(d);
  out.outcome = success ? gateway_outcome::succeeded : gateway_outcome::failed;
  out.status = success ? "succeeded" : "failed";
  out.detail = success ? "" : "CloudPayments: " + json_text(d, "Message");
  auto model = d.FindMember("Model");
  if (model != d.MemberEnd())
    out.provider_refund_id = json_text(model->value, "TransactionId");
  return out;
}

namespace {

class cloudpayments final : public payment_gateway {
public:
  cloudpayments(std::string base_url, std::shared_ptr<gateway_client> client, payment_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      auth_(basic_auth_header(credentials.account_id, credentials.secret)),
      secret_(credentials.secret) {}

  const std::string& provider() const override { return name_; }

  payment_result create(const charge_request& c) override {
    payment_result out;
    if (c.payment_token.empty()) {
      // No hosted payment page: the buyer's card reaches us as the widget's cryptogram.
      out.outcome = gateway_outcome::failed;
      out.detail = "CloudPayments needs payment_token: the widget's card cryptogram or a saved token (tk_...)";
      return out;
    }
    bool saved_token = c.payment_token.rfind("tk_", 0) == 0;
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    write_amount(w, "Amount", c.amount_minor);
    write_text(w, "Currency", c.currency);
    write_text(w, "AccountId", std::to_string(c.customer_id));
    if (saved_token) {
      write_text(w, "Token", c.payment_token);
      w.Key("TrInitiatorCode");
      w.Int(1);  // customer-initiated (required since API v3.6.0)
    } else {
      write_text(w, "CardCryptogramPacket", c.payment_token);
      write_text(w, "IpAddress", c.client_ip);
    }
    write_text(w, "InvoiceId", std::to_string(c.order_id));
    write_text(w, "Description", c.description);
    w.EndObject();
    auto path = saved_token ? "/payments/tokens/charge" : "/payments/cards/charge";
    auto reply = client_->call({name_, "create_payment", "POST", base_ + path,
                                {"Content-Type: application/json", auth_, "X-Request-ID: " + c.idempotency_key},
                                buf.GetString(), false});
    return with_unknown_flag(answers::cloudpayments_payment(reply), reply);
  }

  payment_result fetch(const std::string& transaction_id) override {
    // A read, though it is a POST: safe to retry.
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("TransactionId");
    write_transaction_id(w, transaction_id);
    w.EndObject();
    return answers::cloudpayments_payment(client_->call({name_, "get_payment", "POST", base_ + "/payments/get",
                                           {"Content-Type: application/json", auth_}, buf.GetString(), true}));
  }

  std::optional<payment_result> find_by_order(const charge_request& c) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    write_text(w, "InvoiceId", std::to_string(c.order_id));
    w.EndObject();
    auto reply = client_->call({name_, "find_payment", "POST", base_ + "/payments/find",
                                {"Content-Type: application/json", auth_}, buf.GetString(), true});
    rapidjson::Document d;
    payment_result none;
    if (usable_answer(reply, d, none.outcome, none.detail) && !d.HasMember("Model") &&
        json_text(d, "Message").find("ot found") != std::string::npos) {  // "Not found": it never existed
      none.outcome = gateway_outcome::failed;
      none.detail = "CloudPayments has no payment for the order";
      return none;
    }
    return answers::cloudpayments_payment(reply);  // no usable answer: still unknown to the caller
  }

  refund_result refund(const refund_request& r) override {
    rapidjson::StringBuffer buf;
    writer w{buf};
    w.StartObject();
    w.Key("TransactionId");
    write_transaction_id(w, r.provider_payment_id);
    write_amount(w, "Amount", r.amount_minor);
    w.EndObject();
    auto reply = client_->call({name_, "create_refund", "POST", base_ + "/payments/refund",
                                {"Content-Type: application/json", auth_, "X-Request-ID: " + r.idempotency_key},
                                buf.GetString(), false});
    return with_unknown_flag(answers::cloudpayments_refund(reply), reply);
  }

  std::optional<webhook_event> verify_webhook(const std::map<std::string, std::string>& headers,
                                              const std::string& body, int64_t) const override {
    auto signature = headers.find("content-hmac");
    if (secret_.empty() || signature == headers.end() ||
        !common::equal_in_constant_time(signature->second, base64_text(common::hmac_sha256(secret_, body))))
      return std::nullopt;
    std::map<std::string, std::string> fields;
    rapidjson::Document d;
    if (parse_untrusted_json(body, d).ok() && d.IsObject()) {
      for (const char* name : {"InvoiceId", "TransactionId", "OperationType", "Status"})
        fields[name] = json_text(d, name);
    } else {
      fields = form_decode(body);
    }
    webhook_event event;
    event.type = fields["OperationType"] + (fields["Status"].empty() ? "" : "/" + fields["Status"]);
    event.provider_payment_id = fields["TransactionId"];
    const auto& invoice = fields["InvoiceId"];
    if (!invoice.empty() && invoice.size() < 19 &&
        std::all_of(invoice.begin(), invoice.end(), [](char c) { return c >= '0' && c <= '9'; }))
      event.order_id = std::stoll(invoice);
    return event;
  }

  std::string webhook_ack() const override { return R"({"code":0})"; }

private:
  std::string name_ = "cloudpayments";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  std::string auth_;
  std::string secret_;
};

}  // namespace

std::unique_ptr<payment_gateway> make_cloudpayments(std::string base_url, std::shared_ptr<gateway_client> client,
                                                    payment_credentials credentials) {
  return std::make_unique<cloudpayments>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
