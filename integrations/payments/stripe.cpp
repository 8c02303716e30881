// Stripe PaymentIntents (GATEWAYS.md §2.1): form-encoded bodies, Authorization: Bearer <secret
// key>, the Idempotency-Key header on POSTs, amounts in minor units, lower-case currencies.
//   POST {base}/payment_intents  amount, currency, payment_method, confirm=true, metadata[order_id]
//   GET  {base}/payment_intents/{id}
//   POST {base}/refunds          payment_intent, amount, metadata[reason]
// Status mapping (as Medusa's Stripe provider does): succeeded -> succeeded;
// processing, requires_action, requires_confirmation, requires_capture -> pending;
// requires_payment_method, canceled -> failed.
#include "common/digest.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"

#include <algorithm>


namespace commerce::integrations {

namespace {

gateway_outcome stripe_outcome(const std::string& status) {
  if (status == "succeeded")
    return gateway_outcome::succeeded;
  if (status == "processing" || status == "requires_action" || status == "requires_confirmation" ||
      status == "requires_capture")
    return gateway_outcome::pending;
  if (status == "requires_payment_method" || status == "canceled")
    return gateway_outcome::failed;
  return gateway_outcome::gateway_error;
}

}  // namespace

payment_result answers::stripe_payment(const outbound_response& r) {
  payment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.provider_payment_id = json_text(d, "id");
  // 3-D Secure and similar: next_action.redirect_to_url.url is where the buyer goes.
  auto next = d.FindMember("next_action");
  if (next != d.MemberEnd() && next->value.IsObject()) {
    auto redirect = next->value.FindMember("redirect_to_url");
    if (redirect != next->value.MemberEnd())
      out.confirmation_url = json_text(redirect->value, "url");
  }
  auto status = json_text(d, "status");
  out.outcome = stripe_outcome(status);
  if (out.outcome == gateway_outcome::gateway_error)
    out.detail = "Stripe answered an unknown status '" + status + "'";
  return out;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class stripe final : public payment_gateway {
public:
  stripe(std::string base_url, std::shared_ptr<gateway_client> client, payment_credentials credentials)
    : base_(std::move(base_url)),
      client_(std::move(client)),
      auth_("Authorization: Bearer " + credentials.secret),
      webhook_secret_(credentials.webhook_secret) {}

  const std::string& provider() const override { return name_; }

  payment_result create(const charge_request& c) override {
    std::vector<std::pair<std::string, std::string>> form = {
      {"amount", std::to_string(c.amount_minor)},
      {"currency", lower(c.currency)},
      {"confirm", "true"},
      {"description", c.description},
      {"metadata[order_id]", std::to_string(c.order_id)},
    };
    if (!c.payment_token.empty())
      form.emplace_back("payment_method", c.payment_token);
    if (!c.return_url.empty())
      form.emplace_back("return_url", c.return_url);
    auto reply = client_->call({name_, "create_payment", "POST", base_ + "/payment_intents",
                                {"Content-Type: application/x-www-form-urlencoded", auth_,
                                 "Idempotency-Key: " + c.idempotency_key},
                                form_encode(form), false});
    return with_unknown_flag(answers::stripe_payment(reply), reply);
  }

  payment_result fetch(const std::string& id) override {
    return answers::stripe_payment(client_->call({name_, "get_payment", "GET", base_ + "/payment_intents/" + id, {auth_}, "", true}));
  }

  refund_result refund(const refund_request& r) override {
    std::vector<std::pair<std::string, std::string>> form = {
      {"payment_intent", r.provider_payment_id},
      {"amount", std::to_string(r.amount_minor)},
    };
    if (!r.reason.empty())
      form.emplace_back("metadata[reason]", r.reason);  // Stripe's own `reason` is an enumeration
    auto reply = client_->call({name_, "create_refund", "POST", base_ + "/refunds",
                                {"Content-Type: application/x-www-form-urlencoded", auth_,
                                 "Idempotency-Key: " + r.idempotency_key},
                                form_encode(form), false});
    return read_refund_answer(reply, {"failed", "canceled"}, "Stripe");
  }

  /// Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]; v1 = hex(HMAC-SHA256(whsec, t + "." + body)),
  /// compared in constant time, within 300 s of now.
  std::optional<webhook_event> verify_webhook(const std::map<std::string, std::string>& headers,
                                              const std::string& body, int64_t now) const override {
    auto header = headers.find("stripe-signature");
    if (webhook_secret_.empty() || header == headers.end())
      return std::nullopt;
    std::string timestamp;
    std::vector<std::string> signatures;
    size_t start = 0;
    while (start <= header->second.size()) {
      auto comma = header->second.find(',', start);
      auto part = header->second.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (part.rfind("t=", 0) == 0)
        timestamp = part.substr(2);
      else if (part.rfind("v1=", 0) == 0)
        signatures.push_back(part.substr(3));
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
    int64_t t = 0;
    try {
      t = std::stoll(timestamp);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (t < now - 300 || t > now + 300)
      return std::nullopt;
    auto expected = common::to_hex(common::hmac_sha256(webhook_secret_, timestamp + "." + body));
    bool valid = std::any_of(signatures.begin(), signatures.end(),
                             [&](const std::string& sig) { return common::equal_in_constant_time(sig, expected); });
    if (!valid)
      return std::nullopt;
    rapidjson::Document d;
    if (!parse_untrusted_json(body, d).ok() || !d.IsObject())
      return std::nullopt;
    webhook_event event;
    event.type = json_text(d, "type");
    auto data = d.FindMember("data");
    if (data != d.MemberEnd() && data->value.IsObject() && data->value.HasMember("object") &&
        data->value["object"].IsObject()) {  // FindMember on anything else is undefined (an input to payment_response_fuzz)
      const auto& object = data->value["object"];
      auto metadata = object.FindMember("metadata");
      if (metadata != object.MemberEnd()) {
        try {
          event.order_id = std::stoll(json_text(metadata->value, "order_id"));
        } catch (const std::exception&) {
        }
      }
    }
    return event;
  }

private:
  std::string name_ = "stripe";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
  std::string auth_;
  std::string webhook_secret_;
};

}  // namespace

std::unique_ptr<payment_gateway> make_stripe(std::string base_url, std::shared_ptr<gateway_client> client,
                                             payment_credentials credentials) {
  return std::make_unique<stripe>(std::move(base_url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
