// The `generic` payment provider: exactly the document's mock API (API.md §6):
//   POST {base}/api/v1/payments  with Idempotence-Key: <our payment UUID>
//   GET  {base}/api/v1/payments/{provider id}
// Replies are parsed as JSON whatever their Content-Type (the document's mock sends none).
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>


namespace commerce::integrations {

/// Maps one HTTP exchange to a payment_result.
payment_result answers::generic_payment(const outbound_response& r) {
  payment_result out;
  rapidjson::Document d;
  if (!usable_answer(r, d, out.outcome, out.detail))
    return out;
  out.provider_payment_id = json_text(d, "id");
  out.confirmation_url = json_text(d, "confirmation_url");
  auto status = json_text(d, "status");
  out.outcome = outcome_of_status(status);
  if (out.outcome == gateway_outcome::gateway_error)
    out.detail = "gateway answered an unknown status '" + status + "'";
  return out;
}

namespace {

class generic_payments final : public payment_gateway {
public:
  generic_payments(std::string base_url, std::shared_ptr<gateway_client> client)
    : base_(std::move(base_url)), client_(std::move(client)) {}

  const std::string& provider() const override { return name_; }

  payment_result create(const charge_request& c) override {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    w.StartObject();
    w.Key("order_id");
    w.Int64(c.order_id);
    write_amount(w, "amount", c.amount_minor);
    write_text(w, "currency", c.currency);
    write_text(w, "payment_method", c.payment_method);
    if (!c.payment_token.empty()) {
      write_text(w, "payment_token", c.payment_token);
    }
    if (!c.return_url.empty()) {
      write_text(w, "return_url", c.return_url);
    }
    write_text(w, "description", c.description);
    w.EndObject();
    outbound_request req{name_, "create_payment", "POST", base_ + "/api/v1/payments",
                         {"Content-Type: application/json", "Idempotence-Key: " + c.idempotency_key},
                         buf.GetString(),
                         false};  // never retried automatically (API.md §6), key or not
    auto reply = client_->call(req);
    return with_unknown_flag(answers::generic_payment(reply), reply);
  }

  payment_result fetch(const std::string& provider_payment_id) override {
    outbound_request req{name_, "get_payment", "GET", base_ + "/api/v1/payments/" + provider_payment_id,
                         {"Accept: application/json"}, "", true};
    return answers::generic_payment(client_->call(req));
  }

  refund_result refund(const refund_request& r) override {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w{buf};
    w.StartObject();
    write_text(w, "payment_id", r.provider_payment_id);
    write_amount(w, "amount", r.amount_minor);
    write_text(w, "currency", r.currency);
    write_text(w, "reason", r.reason);
    w.EndObject();
    auto reply = client_->call({name_, "create_refund", "POST", base_ + "/api/v1/refunds",
                                {"Content-Type: application/json", "Idempotence-Key: " + r.idempotency_key},
                                buf.GetString(), false});
    return read_refund_answer(reply, {"canceled", "failed"}, name_);
  }

private:
  std::string name_ = "generic";
  std::string base_;
  std::shared_ptr<gateway_client> client_;
};

}  // namespace

std::unique_ptr<payment_gateway> make_generic_payments(std::string base_url, std::shared_ptr<gateway_client> client) {
  return std::make_unique<generic_payments>(std::move(base_url), std::move(client));
}

}  // namespace commerce::integrations
