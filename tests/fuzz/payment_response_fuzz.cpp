// Every payment provider's answer readers (generic, YooKassa, Stripe, CloudPayments: payments and
// refunds) and their webhook checks, the first byte choosing which. Webhooks are signed here with
// the provider's secret, so the body reaches the parser behind the signature check.
#include "common/digest.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/provider_answers.hpp"
#include "integrations/provider_support.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <map>
#include <memory>

using namespace commerce;
using namespace commerce::integrations;

namespace {

const payment_credentials credentials{"shop-1", "fuzz-api-secret", "whsec_fuzz"};

std::unique_ptr<payment_gateway> gateway(const std::string& provider) {
  // No call is made: the webhook checks read only the request they are given.
  return make_payment_gateway(provider, "http://127.0.0.1:9", nullptr, credentials);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::input in{data, size};
  auto choice = in.byte() % 11;
  if (choice < 8) {
    auto r = fuzz::exchange(in);
    switch (choice) {
      case 0: answers::generic_payment(r); break;
      case 1: answers::yookassa_payment(r); break;
      case 2: answers::stripe_payment(r); break;
      case 3: answers::cloudpayments_payment(r); break;
      case 4: answers::cloudpayments_refund(r); break;
      case 5: read_refund_answer(r, {"canceled", "failed"}, "generic"); break;
      case 6: read_refund_answer(r, {"canceled"}, "YooKassa"); break;
      default: read_refund_answer(r, {"failed", "canceled"}, "Stripe"); break;
    }
    return 0;
  }
  auto body = in.rest();
  const int64_t now = 1'700'000'000;
  std::map<std::string, std::string> headers;
  if (choice == 8) {
    gateway("yookassa")->verify_webhook(headers, body, now);
  } else if (choice == 9) {
    headers["stripe-signature"] =
      "t=" + std::to_string(now) + ",v1=" + common::to_hex(common::hmac_sha256(credentials.webhook_secret, std::to_string(now) + "." + body));
    gateway("stripe")->verify_webhook(headers, body, now);
  } else {
    headers["content-hmac"] = base64_text(common::hmac_sha256(credentials.secret, body));
    gateway("cloudpayments")->verify_webhook(headers, body, now);
  }
  return 0;
}
