// The document's payment flows (section 4.2: pay an order, confirm, refund, the buyer notified)
// through each real payment provider, end to end through a provider stack whose configuration
// selects it: Stripe on APP_URL_PROVIDERS_A, CloudPayments on B, YooKassa on C. Each case installs
// the provider's answers in its wire format at the shared payment mock (matched on something only
// this case sends), drives the flow through our API, and checks the provider-shaped requests the mock
// received (paths, auth from config/integration-providers.env, idempotency headers, bodies) and the
// e-mail and SMS the stack's notification providers sent.
#include "tests/integration/base/provider_stacks.hpp"

#include "tests/http/support/mock_control.hpp"
#include "tests/http/support/signing.hpp"

#include <ctime>

#include <boost/test/unit_test.hpp>

using namespace integration;
using http_test::confirm_body;
using http_test::form_fields;
using http_test::int_of;
using http_test::is_uuid;
using http_test::json_array;
using http_test::json_object;
using http_test::json_raw;
using http_test::mock_first_header;
using http_test::mock_request_body;
using http_test::mock_request_text;
using http_test::number_of;
using http_test::process_body;
using http_test::refund_body;
using http_test::response;
using http_test::same_money;
using http_test::string_of;

namespace {

std::string confirmed_subject(int64_t order) { return "Order #" + std::to_string(order) + " is confirmed"; }
std::string refunded_subject(int64_t order) { return "Order #" + std::to_string(order) + " has been refunded"; }

/// The recorded e-mails with `subject` (SendGrid's JSON "subject", Mailgun's form "subject"): the
/// buyer also gets a verification e-mail through the same provider when registering, and the
/// stack's servers deliver every queued one of the shared database, so a test counts its own.
rapidjson::Document with_subject(const rapidjson::Document& recorded, const std::string& subject) {
  rapidjson::Document out;
  out.SetArray();
  if (!recorded.IsArray())
    return out;
  for (const auto& req : recorded.GetArray()) {
    auto body = mock_request_body(req);
    auto found = body.IsObject() ? string_of(body, "subject") : form_fields(mock_request_text(req))["subject"];
    if (found != subject)
      continue;
    rapidjson::Value copy;
    copy.CopyFrom(req, out.GetAllocator());
    out.PushBack(copy, out.GetAllocator());
  }
  return out;
}

bool has_form_pair(const std::string& form, const std::string& pair) {
  return ("&" + form + "&").find("&" + pair + "&") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(payment_integration_providers)

BOOST_FIXTURE_TEST_CASE(stripe_payment_3ds_confirm_and_refund_on_stack_a, stack_mocks,
                        *boost::unit_test::label("service.stripe") * boost::unit_test::label("service.sendgrid") *
                          boost::unit_test::label("service.twilio") * boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('A');
  shop s{st.app_url, "stripe", true, "150.00"};
  const int64_t order = s.order(2);  // 300.00 RUB = 30000 kopecks
  const auto id = std::to_string(order);
  const auto intent = "pi_" + integration::unique_tag("int");
  const auto sid = st.setting("SMS_ACCOUNT_ID");

  // Stripe wants the buyer's 3-D Secure first; its status check then says succeeded.
  pay.expect(expectation("POST", "/v1/payment_intents", "metadata%5Border_id%5D=" + id + "&", 200,
                         json_object{{"id", intent},
                                     {"object", "payment_intent"},
                                     {"status", "requires_action"},
                                     {"amount", 30000},
                                     {"currency", "rub"},
                                     {"next_action", json_object{{"type", "redirect_to_url"},
                                                                 {"redirect_to_url", json_object{{"url", "https://hooks.stripe.com/3ds/" + intent}}}}}},
                         1));
  pay.expect(expectation("GET", "/v1/payment_intents/" + intent, "", 200,
                         json_object{{"id", intent}, {"object", "payment_intent"}, {"status", "succeeded"},
                                     {"amount", 30000}, {"currency", "rub"}}));
  mail.expect(expectation("POST", "/v3/mail/send", s.buyer.user().email, 202, "{}"));
  sms.expect(expectation("POST", "/2010-04-01/Accounts/" + sid + "/Messages.json", "To=" + form_encoded(s.phone), 201,
                         json_object{{"sid", "SM" + intent}, {"status", "queued"}}));

  auto created = s.buyer.post("/api/payments/create/",
                           json_object{{"order_id", order}, {"currency", "RUB"}, {"payment_method", "card"},
                                       {"return_url", "https://shop.example/back"}});
  BOOST_TEST_REQUIRE(created.status == 201, created.describe());
  BOOST_TEST(string_of(created.json, "status") == "pending", created.body);
  BOOST_TEST(string_of(created.json, "confirmation_url") == "https://hooks.stripe.com/3ds/" + intent, created.body);
  BOOST_TEST(string_of(created.json, "provider_payment_id") == intent, created.body);
  BOOST_TEST(string_of(s.get_order(order).json, "payment_status") == "pending");

  auto confirmed = s.buyer.post("/api/payments/confirm/", confirm_body(int_of(created.json, "id").value_or(0)));
  BOOST_TEST_REQUIRE(confirmed.status == 200, confirmed.describe());
  BOOST_TEST(string_of(confirmed.json, "status") == "succeeded", confirmed.body);
  auto paid = s.get_order(order);
  BOOST_TEST(string_of(paid.json, "payment_status") == "paid", paid.body);
  BOOST_TEST(string_of(paid.json, "status") == "confirmed", paid.body);

  // What Stripe received: a form-encoded PaymentIntent in kopecks, with the secret key and a key.
  auto intents = pay.recorded(matcher("POST", "/v1/payment_intents", "metadata%5Border_id%5D=" + id + "&"));
  BOOST_TEST_REQUIRE(intents.Size() == 1u);
  const auto form = mock_request_text(intents[0]);
  BOOST_TEST(mock_first_header(intents[0], "Authorization") == "Bearer " + st.setting("PAYMENT_SECRET"));
  BOOST_TEST(mock_first_header(intents[0], "Content-Type").find("application/x-www-form-urlencoded") == 0u);
  BOOST_TEST(mock_first_header(intents[0], "Idempotency-Key") != "<none>");
  BOOST_TEST(has_form_pair(form, "amount=30000"), form);
  BOOST_TEST(has_form_pair(form, "currency=rub"), form);
  auto checks = pay.recorded(matcher("GET", "/v1/payment_intents/" + intent));
  BOOST_TEST(checks.Size() >= 1u, "GET /v1/payment_intents/" << intent);

  // order_confirmation: by e-mail through SendGrid and by SMS through Twilio.
  auto list = s.notifications(order, 2);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "sendgrid/sent/" + s.buyer.user().email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "twilio/sent/" + s.phone, list.body);
  auto mails = with_subject(mail.recorded(matcher("POST", "/v3/mail/send", s.buyer.user().email)), confirmed_subject(order));
  BOOST_TEST_REQUIRE(mails.Size() == 1u);
  auto m = mock_request_body(mails[0]);
  BOOST_TEST_REQUIRE(m.IsObject(), mock_request_text(mails[0]));
  BOOST_TEST(mock_first_header(mails[0], "Authorization") == "Bearer " + st.setting("EMAIL_SECRET"));
  BOOST_TEST(string_of(m, "subject") == confirmed_subject(order), mock_request_text(mails[0]));
  BOOST_TEST(string_of(m["from"], "email") == st.setting("EMAIL_FROM"), mock_request_text(mails[0]));
  BOOST_TEST_REQUIRE((m["personalizations"].IsArray() && m["personalizations"].Size() == 1u));
  BOOST_TEST(string_of(m["personalizations"][0]["to"][0], "email") == s.buyer.user().email);
  auto texts = sms.recorded(matcher("POST", "/2010-04-01/Accounts/" + sid + "/Messages.json", "To=" + form_encoded(s.phone)));
  BOOST_TEST_REQUIRE(texts.Size() == 1u);
  auto sms_form = form_fields(mock_request_text(texts[0]));
  BOOST_TEST(mock_first_header(texts[0], "Authorization") == basic_auth(sid, st.setting("SMS_SECRET")));
  BOOST_TEST(sms_form["From"] == st.setting("SMS_SENDER"));
  BOOST_TEST(sms_form["Body"] == confirmed_subject(order));

  // A partial refund of 100.00 goes to Stripe as 10000 kopecks of this PaymentIntent.
  pay.expect(expectation("POST", "/v1/refunds", "payment_intent=" + intent, 200,
                         json_object{{"id", "re_" + intent}, {"object", "refund"}, {"status", "succeeded"}, {"amount", 10000}}, 1));
  auto refund = s.buyer.post("/api/payments/refund/", refund_body(order, "100.00", "customer_request"));
  BOOST_TEST_REQUIRE(refund.status == 201, refund.describe());
  BOOST_TEST(string_of(refund.json, "status") == "succeeded", refund.body);
  auto partly = s.get_order(order);
  BOOST_TEST(string_of(partly.json, "payment_status") == "partially_refunded", partly.body);
  BOOST_TEST(same_money(number_of(partly.json, "refunded_amount"), 100.00), partly.body);
  auto refunds = pay.recorded(matcher("POST", "/v1/refunds", "payment_intent=" + intent));
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  BOOST_TEST(has_form_pair(mock_request_text(refunds[0]), "amount=10000"), mock_request_text(refunds[0]));
  BOOST_TEST(mock_first_header(refunds[0], "Authorization") == "Bearer " + st.setting("PAYMENT_SECRET"));
}

// A payment awaiting 3-D Secure settles through Stripe's signed webhook: the stack's
// PAYMENT_WEBHOOK_SECRET (config/integration-providers.env) signs it; a wrong signature is refused
// without asking Stripe; a good one makes the server re-read the PaymentIntent, whose status (not the
// event's) marks the order paid and sends the confirmation.
BOOST_FIXTURE_TEST_CASE(stripe_signed_webhook_settles_the_payment_on_stack_a, stack_mocks,
                        *boost::unit_test::label("service.stripe") * boost::unit_test::label("service.sendgrid") *
                          boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('A');
  const auto whsec = st.setting("PAYMENT_WEBHOOK_SECRET");
  BOOST_TEST_REQUIRE(!whsec.empty(), "PROVIDERS_A_PAYMENT_WEBHOOK_SECRET is not set");
  shop s{st.app_url, "stripehook", false, "75.00"};
  const int64_t order = s.order(1);
  const auto id = std::to_string(order);
  const auto intent = "pi_" + integration::unique_tag("hook");
  pay.expect(expectation("POST", "/v1/payment_intents", "metadata%5Border_id%5D=" + id + "&", 200,
                         json_object{{"id", intent}, {"object", "payment_intent"}, {"status", "requires_action"},
                                     {"next_action", json_object{{"type", "redirect_to_url"},
                                                                 {"redirect_to_url", json_object{{"url", "https://hooks.stripe.com/3ds/" + intent}}}}}},
                         1));
  mail.expect(expectation("POST", "/v3/mail/send", s.buyer.user().email, 202, "{}"));
  auto created = s.buyer.post("/api/payments/create/", json_object{{"order_id", order}, {"return_url", "https://shop.example/back"}});
  BOOST_TEST_REQUIRE(created.status == 201, created.describe());
  BOOST_TEST_REQUIRE(string_of(created.json, "status") == "pending", created.body);

  const std::string event = json_object{
    {"id", "evt_" + intent},
    {"type", "payment_intent.succeeded"},
    {"data", json_object{{"object", json_object{{"id", intent}, {"status", "succeeded"},
                                                {"metadata", json_object{{"order_id", id}}}}}}}};
  auto signature = [&](const std::string& key) {
    auto t = std::to_string(std::time(nullptr));
    return "Stripe-Signature: t=" + t + ",v1=" + http_test::hex_encode(http_test::hmac_sha256(key, t + "." + event));
  };
  session stripe{st.app_url};  // Stripe calls anonymously
  auto forged = stripe.request("POST", "/api/payments/webhook/", event, {signature(whsec + "x")});
  BOOST_TEST((forged.status == 400 && forged.error_code() == "invalid_signature"), forged.describe());
  BOOST_TEST(pay.recorded(matcher("GET", "/v1/payment_intents/" + intent)).Size() == 0u, "a refused webhook asked Stripe");
  BOOST_TEST(string_of(s.get_order(order).json, "payment_status") == "pending");

  pay.expect(expectation("GET", "/v1/payment_intents/" + intent, "", 200,
                         json_object{{"id", intent}, {"object", "payment_intent"}, {"status", "succeeded"}}));
  auto signed_hook = stripe.request("POST", "/api/payments/webhook/", event, {signature(whsec)});
  BOOST_TEST_REQUIRE(signed_hook.status == 200, signed_hook.describe());
  auto gets = pay.recorded(matcher("GET", "/v1/payment_intents/" + intent));
  BOOST_TEST_REQUIRE(gets.Size() == 1u, "the server re-reads the PaymentIntent from Stripe");
  BOOST_TEST(mock_first_header(gets[0], "Authorization") == "Bearer " + st.setting("PAYMENT_SECRET"));
  auto paid = s.get_order(order);
  BOOST_TEST(string_of(paid.json, "payment_status") == "paid", paid.body);
  BOOST_TEST(string_of(paid.json, "status") == "confirmed", paid.body);
  auto list = s.notifications(order, 1);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "sendgrid/sent/" + s.buyer.user().email, list.body);
}

BOOST_FIXTURE_TEST_CASE(cloudpayments_token_charge_and_refund_on_stack_b, stack_mocks,
                        *boost::unit_test::label("service.cloudpayments") * boost::unit_test::label("service.mailgun") *
                          boost::unit_test::label("service.sms_ru") * boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('B');
  shop s{st.app_url, "cloudpay", true, "99.90"};
  const int64_t order = s.order(3);  // 299.70 RUB
  const auto token = "tk_" + integration::unique_tag("int");
  const int64_t transaction = unique_number();
  const auto domain = st.setting("EMAIL_ACCOUNT_ID");
  const auto messages = "/v3/" + domain + "/messages";

  // CloudPayments answers HTTP 200 whatever happened; Success and Model.Status decide.
  pay.expect(expectation("POST", "/payments/tokens/charge", R"("Token":")" + token + "\"", 200,
                         json_object{{"Success", true},
                                     {"Message", nullptr},
                                     {"Model", json_object{{"TransactionId", transaction}, {"Amount", 299.70},
                                                           {"Currency", "RUB"}, {"Status", "Completed"}}}},
                         1));
  mail.expect(expectation("POST", messages, form_encoded(s.buyer.user().email), 200,
                          R"({"id":"<int.1@mg.shop.test>","message":"Queued. Thank you."})"));
  const auto to = digits_of(s.phone);
  sms.expect(expectation("POST", "/sms/send", "to=" + to, 200,
                         json_object{{"status", "OK"},
                                     {"status_code", 100},
                                     {"sms", json_object{{to, json_object{{"status", "OK"}, {"status_code", 100},
                                                                          {"sms_id", "000000-" + to}}}}},
                                     {"balance", 100.0}}));

  auto paid = s.buyer.post("/api/payments/process/", process_body(order, token));
  BOOST_TEST_REQUIRE(paid.status == 200, paid.describe());
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);
  BOOST_TEST(string_of(paid.json, "provider_payment_id") == std::to_string(transaction), paid.body);
  auto o = s.get_order(order);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(string_of(o.json, "status") == "confirmed", o.body);

  auto charges = pay.recorded(matcher("POST", "/payments/tokens/charge", R"("Token":")" + token + "\""));
  BOOST_TEST_REQUIRE(charges.Size() == 1u);
  const auto text = mock_request_text(charges[0]);
  auto charge = mock_request_body(charges[0]);
  BOOST_TEST_REQUIRE(charge.IsObject(), text);
  BOOST_TEST(mock_first_header(charges[0], "Authorization") ==
             basic_auth(st.setting("PAYMENT_ACCOUNT_ID"), st.setting("PAYMENT_SECRET")));
  BOOST_TEST(mock_first_header(charges[0], "X-Request-ID") != "<none>");
  BOOST_TEST((charge.HasMember("Amount") && charge["Amount"].IsNumber() && same_money(charge["Amount"].GetDouble(), 299.70)), text);
  BOOST_TEST(string_of(charge, "Currency") == "RUB", text);
  BOOST_TEST(string_of(charge, "InvoiceId") == std::to_string(order), text);
  BOOST_TEST(string_of(charge, "AccountId") == std::to_string(s.buyer.user().id), text);

  // order_confirmation through Mailgun and SMS.ru.
  auto list = s.notifications(order, 2);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "mailgun/sent/" + s.buyer.user().email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "sms_ru/sent/" + s.phone, list.body);
  auto mails = with_subject(mail.recorded(matcher("POST", messages, form_encoded(s.buyer.user().email))), confirmed_subject(order));
  BOOST_TEST_REQUIRE(mails.Size() == 1u);
  auto mail_form = form_fields(mock_request_text(mails[0]));
  BOOST_TEST(mock_first_header(mails[0], "Authorization") == basic_auth("api", st.setting("EMAIL_SECRET")));
  BOOST_TEST(mail_form["from"] == st.setting("EMAIL_FROM"));
  BOOST_TEST(mail_form["to"] == s.buyer.user().email);
  BOOST_TEST(mail_form["subject"] == confirmed_subject(order));
  auto texts = sms.recorded(matcher("POST", "/sms/send", "to=" + to));
  BOOST_TEST_REQUIRE(texts.Size() == 1u);
  auto sms_form = form_fields(mock_request_text(texts[0]));
  BOOST_TEST(sms_form["api_id"] == st.setting("SMS_SECRET"));
  BOOST_TEST(sms_form["from"] == st.setting("SMS_SENDER"));
  BOOST_TEST(sms_form["msg"] == confirmed_subject(order));
  BOOST_TEST(sms_form["json"] == "1");

  // A partial refund names the transaction as a number, the amount in roubles.
  pay.expect(expectation("POST", "/payments/refund", "\"TransactionId\":" + std::to_string(transaction), 200,
                         json_object{{"Success", true}, {"Message", nullptr},
                                     {"Model", json_object{{"TransactionId", transaction + 1}}}},
                         1));
  auto refund = s.buyer.post("/api/payments/refund/", refund_body(order, "99.90", "customer_request"));
  BOOST_TEST_REQUIRE(refund.status == 201, refund.describe());
  auto refunds = pay.recorded(matcher("POST", "/payments/refund", "\"TransactionId\":" + std::to_string(transaction)));
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  auto rb = mock_request_body(refunds[0]);
  BOOST_TEST((rb.IsObject() && rb.HasMember("Amount") && rb["Amount"].IsNumber() && same_money(rb["Amount"].GetDouble(), 99.90)),
             mock_request_text(refunds[0]));
  auto partly = s.get_order(order);
  BOOST_TEST(string_of(partly.json, "payment_status") == "partially_refunded", partly.body);
  BOOST_TEST(same_money(number_of(partly.json, "refunded_amount"), 99.90), partly.body);
}

// CloudPayments' 3-D Secure: the charge answers Success:false with the bank's AcsUrl, so the payment
// stays pending; CloudPayments' Pay notification (JSON), signed Content-HMAC with the stack's API secret,
// makes the server ask /payments/get, whose Completed marks the order paid. A notification signed
// with anything else is refused and asks nobody.
BOOST_FIXTURE_TEST_CASE(cloudpayments_3ds_settled_by_signed_notification_on_stack_b, stack_mocks,
                        *boost::unit_test::label("service.cloudpayments") * boost::unit_test::label("service.mailgun") *
                          boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('B');
  const auto secret = st.setting("PAYMENT_SECRET");
  shop s{st.app_url, "cp3ds", false, "64.00"};
  const auto email = s.buyer.user().email;
  const int64_t order = s.order(1);
  const auto cryptogram = "eyJUeXBlIjoiQ2xvdWRDYXJkIn0" + integration::unique_tag("c");
  const int64_t transaction = unique_number();
  const auto this_transaction = "\"TransactionId\":" + std::to_string(transaction);
  pay.expect(expectation("POST", "/payments/cards/charge", R"("CardCryptogramPacket":")" + cryptogram + "\"", 200,
                         json_object{{"Success", false}, {"Message", nullptr},
                                     {"Model", json_object{{"TransactionId", transaction}, {"PaReq", "eJxVUdtugkAQ/RXD"},
                                                           {"AcsUrl", "https://demo.cloudpayments.ru/acs"}}}},
                         1));
  pay.expect(expectation("POST", "/payments/get", this_transaction, 200,
                         json_object{{"Success", true}, {"Model", json_object{{"TransactionId", transaction}, {"Status", "AwaitingAuthentication"}}}},
                         1));
  mail.expect(expectation("POST", "/v3/" + st.setting("EMAIL_ACCOUNT_ID") + "/messages", form_encoded(email), 200,
                          R"({"id":"<int.3ds@mg.shop.test>","message":"Queued. Thank you."})"));

  auto pending = s.buyer.post("/api/payments/process/", process_body(order, cryptogram));
  BOOST_TEST_REQUIRE(pending.status == 200, pending.describe());
  BOOST_TEST(string_of(pending.json, "status") == "pending", pending.body);
  BOOST_TEST(string_of(pending.json, "confirmation_url") == "https://demo.cloudpayments.ru/acs", pending.body);
  BOOST_TEST(string_of(s.get_order(order).json, "payment_status") == "pending");
  auto charges = pay.recorded(matcher("POST", "/payments/cards/charge", R"("CardCryptogramPacket":")" + cryptogram + "\""));
  BOOST_TEST_REQUIRE(charges.Size() == 1u);
  BOOST_TEST(string_of(mock_request_body(charges[0]), "InvoiceId") == std::to_string(order), mock_request_text(charges[0]));

  // The JSON form of a Pay notification (CloudPayments sends either form; HMAC over the raw body).
  const std::string notification = json_object{{"TransactionId", transaction},
                                               {"Amount", 64.00},
                                               {"Currency", "RUB"},
                                               {"InvoiceId", std::to_string(order)},
                                               {"AccountId", std::to_string(s.buyer.user().id)},
                                               {"Status", "Completed"},
                                               {"OperationType", "Payment"}};
  auto hmac = [&](const std::string& key) {
    return "Content-HMAC: " + http_test::b64_encode(http_test::hmac_sha256(key, notification));
  };
  session cloudpayments{st.app_url};
  const auto asked_before = pay.recorded(matcher("POST", "/payments/get", this_transaction)).Size();
  auto forged = cloudpayments.request("POST", "/api/payments/webhook/", notification, {hmac(secret + "x")});
  BOOST_TEST((forged.status == 400 && forged.error_code() == "invalid_signature"), forged.describe());
  BOOST_TEST(pay.recorded(matcher("POST", "/payments/get", this_transaction)).Size() == asked_before,
             "a refused notification asked CloudPayments");

  pay.expect(expectation("POST", "/payments/get", this_transaction, 200,
                         json_object{{"Success", true}, {"Model", json_object{{"TransactionId", transaction}, {"Status", "Completed"}}}}));
  auto accepted = cloudpayments.request("POST", "/api/payments/webhook/", notification, {hmac(secret)});
  BOOST_TEST_REQUIRE(accepted.status == 200, accepted.describe());
  BOOST_TEST(int_of(accepted.json, "code") == std::optional<int64_t>{0}, "CloudPayments wants {\"code\":0}: " << accepted.body);
  auto paid = s.get_order(order);
  BOOST_TEST(string_of(paid.json, "payment_status") == "paid", paid.body);
  BOOST_TEST(string_of(paid.json, "status") == "confirmed", paid.body);
  auto checks = pay.recorded(matcher("POST", "/payments/get", this_transaction));
  BOOST_TEST_REQUIRE(checks.Size() == asked_before + 1, "one status check after the signed notification");
  BOOST_TEST(mock_first_header(checks[checks.Size() - 1], "Authorization") ==
             basic_auth(st.setting("PAYMENT_ACCOUNT_ID"), secret));
  auto list = s.notifications(order, 1);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "mailgun/sent/" + email, list.body);
}

BOOST_FIXTURE_TEST_CASE(yookassa_redirect_confirm_and_full_refund_on_stack_c, stack_mocks,
                        *boost::unit_test::label("service.yookassa") * boost::unit_test::label("service.smtp") *
                          boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('C');
  shop s{st.app_url, "yookassa", false, "120.00"};
  const int64_t order = s.order(1);
  const auto id = std::to_string(order);
  const auto payment = "2d6b1f3a-000f-5000-8000-" + integration::unique_tag("y");
  const auto order_metadata = R"("order_id":")" + id + "\"";

  pay.expect(expectation("POST", "/v3/payments", order_metadata, 200,
                         json_object{{"id", payment},
                                     {"status", "pending"},
                                     {"paid", false},
                                     {"amount", json_object{{"value", "120.00"}, {"currency", "RUB"}}},
                                     {"confirmation", json_object{{"type", "redirect"},
                                                                  {"confirmation_url", "https://yoomoney.ru/checkout/payments/v2/contract?orderId=" + payment}}}},
                         1));
  pay.expect(expectation("GET", "/v3/payments/" + payment, "", 200,
                         json_object{{"id", payment}, {"status", "succeeded"}, {"paid", true},
                                     {"amount", json_object{{"value", "120.00"}, {"currency", "RUB"}}}}));

  auto created = s.buyer.post("/api/payments/create/",
                           json_object{{"order_id", order}, {"amount", json_raw("120.00")}, {"currency", "RUB"},
                                       {"payment_method", "card"}, {"return_url", "https://shop.example/back"}});
  BOOST_TEST_REQUIRE(created.status == 201, created.describe());
  BOOST_TEST(string_of(created.json, "confirmation_url") ==
               "https://yoomoney.ru/checkout/payments/v2/contract?orderId=" + payment, created.body);
  auto confirmed = s.buyer.post("/api/payments/confirm/", confirm_body(int_of(created.json, "id").value_or(0)));
  BOOST_TEST_REQUIRE(confirmed.status == 200, confirmed.describe());
  BOOST_TEST(string_of(confirmed.json, "status") == "succeeded", confirmed.body);
  BOOST_TEST(string_of(s.get_order(order).json, "payment_status") == "paid");

  const auto yk_auth = basic_auth(st.setting("PAYMENT_ACCOUNT_ID"), st.setting("PAYMENT_SECRET"));
  auto posts = pay.recorded(matcher("POST", "/v3/payments", order_metadata));
  BOOST_TEST_REQUIRE(posts.Size() == 1u);
  auto body = mock_request_body(posts[0]);
  const auto text = mock_request_text(posts[0]);
  BOOST_TEST_REQUIRE(body.IsObject(), text);
  BOOST_TEST(mock_first_header(posts[0], "Authorization") == yk_auth);
  BOOST_TEST(is_uuid(mock_first_header(posts[0], "Idempotence-Key")), mock_first_header(posts[0], "Idempotence-Key"));
  BOOST_TEST(string_of(body["amount"], "value") == "120.00", text);
  BOOST_TEST(string_of(body["amount"], "currency") == "RUB", text);
  BOOST_TEST(string_of(body["confirmation"], "type") == "redirect", text);
  BOOST_TEST(string_of(body["confirmation"], "return_url") == "https://shop.example/back", text);
  auto gets = pay.recorded(matcher("GET", "/v3/payments/" + payment));
  BOOST_TEST_REQUIRE(gets.Size() >= 1u);
  BOOST_TEST(mock_first_header(gets[0], "Authorization") == yk_auth);

  // The order_confirmation e-mail went over SMTP to the stack's test server (no SMS on stack C).
  auto list = s.notifications(order, 1);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "smtp/sent/" + s.buyer.user().email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "<none>", list.body);
  auto confirmation = wait_for_mail(s.buyer.user().email, confirmed_subject(order));
  BOOST_TEST_REQUIRE(confirmation.has_value(), "order_confirmation to " << s.buyer.user().email << " in SMTP_MAILDIR");
  BOOST_TEST(confirmation->header("Subject") == confirmed_subject(order), confirmation->raw);
  BOOST_TEST(confirmation->header("From").find(st.setting("EMAIL_FROM")) != std::string::npos, confirmation->raw);

  // A full refund (no amount: everything not yet refunded) of this YooKassa payment.
  pay.expect(expectation("POST", "/v3/refunds", R"("payment_id":")" + payment + "\"", 200,
                         json_object{{"id", "rf-" + payment}, {"status", "succeeded"},
                                     {"amount", json_object{{"value", "120.00"}, {"currency", "RUB"}}}},
                         1));
  auto refund = s.buyer.post("/api/payments/refund/", refund_body(order, "", "customer_request"));
  BOOST_TEST_REQUIRE(refund.status == 201, refund.describe());
  auto refunded = s.get_order(order);
  BOOST_TEST(string_of(refunded.json, "payment_status") == "refunded", refunded.body);
  BOOST_TEST(string_of(refunded.json, "status") == "refunded", refunded.body);
  auto refunds = pay.recorded(matcher("POST", "/v3/refunds", R"("payment_id":")" + payment + "\""));
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  auto rb = mock_request_body(refunds[0]);
  BOOST_TEST(string_of(rb["amount"], "value") == "120.00", mock_request_text(refunds[0]));
  BOOST_TEST(is_uuid(mock_first_header(refunds[0], "Idempotence-Key")));
  BOOST_TEST(wait_for_mail(s.buyer.user().email, refunded_subject(order)).has_value(),
             "order_refunded to " << s.buyer.user().email << " in SMTP_MAILDIR");
}

BOOST_AUTO_TEST_SUITE_END()
