// The document's external services (section 4.3: quote a delivery, ship the order, track it, tell the
// buyer) through every real carrier and notification provider, end to end through the provider stacks
// whose configuration selects them: CDEK + SendGrid + Twilio on APP_URL_PROVIDERS_A (paid with
// Stripe), Boxberry + Mailgun + SMS.ru on B (CloudPayments), Russian Post + SMTP on C (YooKassa).
// Each case installs the providers' answers in their wire formats at the shared mocks (matched on
// something only this case sends), drives order -> pay -> ship -> notify through our API, and checks
// what each provider received: paths, credentials from config/integration-providers.env, bodies, and
// for SMTP the message in SMTP_MAILDIR.
#include "tests/integration/base/provider_stacks.hpp"

#include "tests/http/support/mock_control.hpp"

#include <rapidjson/document.h>

using namespace integration;
using http_test::form_fields;
using http_test::int_of;
using http_test::json_array;
using http_test::json_object;
using http_test::mock_first_header;
using http_test::mock_request_body;
using http_test::mock_request_text;
using http_test::number_of;
using http_test::process_body;
using http_test::response;
using http_test::same_money;
using http_test::string_of;

namespace {

std::string shipped_subject(int64_t order) { return "Order #" + std::to_string(order) + " has shipped"; }
std::string confirmed_subject(int64_t order) { return "Order #" + std::to_string(order) + " is confirmed"; }

/// POST /api/shipping/calculate/ to the document's destination with one 1.5 kg package.
response quote(shop& s, const std::string& service) {
  return s.buyer.post("/api/shipping/calculate/",
                      json_object{{"destination", json_object{{"city", "Moscow"}, {"postal_code", "123456"}, {"street", "Test Street 123"}}},
                                  {"packages", json_array{json_object{{"weight", 1.5},
                                                                      {"dimensions", json_object{{"length", 30}, {"width", 20}, {"height", 10}}}}}},
                                  {"service", service}});
}

/// POST /api/orders/{id}/process/ (reserve, charge unless paid, book the shipment) until SUCCESS.
response fulfil(shop& s, int64_t order) {
  auto accepted = s.buyer.post("/api/orders/" + std::to_string(order) + "/process/", "{}");
  auto done = wait_for_task(s.buyer, accepted_task_id(accepted));
  return done;
}

/// POST /api/notifications/send/ order_shipped until the task is done.
response notify_shipped(shop& s, int64_t order) {
  auto accepted = s.buyer.post("/api/notifications/send/",
                               json_object{{"order_id", order}, {"notification_type", "order_shipped"}});
  return wait_for_task(s.buyer, accepted_task_id(accepted));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(external_services_provider_stacks)

BOOST_FIXTURE_TEST_CASE(stack_a_cdek_sendgrid_twilio_order_to_shipment, stack_mocks,
                        *boost::unit_test::label("service.cdek") * boost::unit_test::label("service.sendgrid") *
                          boost::unit_test::label("service.twilio") * boost::unit_test::label("service.stripe") *
                          boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications") *
                          boost::unit_test::label("flow.product_purchase") *
                          boost::unit_test::label("flow.order_fulfillment")) {
  const auto st = stack('A');
  shop s{st.app_url, "cdek", true, "45.60"};
  const auto email = s.buyer.user().email;
  const auto sid = st.setting("SMS_ACCOUNT_ID");
  const std::string cdek_token = "cdek-integration-token-a";  // every test answers the same, so a cached one matches too
  ship.expect(expectation("POST", "/v2/oauth/token", "", 200,
                          json_object{{"access_token", cdek_token}, {"token_type", "bearer"}, {"expires_in", 3599}}));
  ship.expect(expectation("POST", "/v2/calculator/tariff", "", 200,
                          R"({"delivery_sum":350.0,"period_min":2,"period_max":4,"total_sum":412.5,"currency":"RUB"})"));

  // The delivery quote comes from CDEK's tariff calculator.
  auto q = quote(s, "standard");
  BOOST_TEST_REQUIRE(q.status == 200, q.describe());
  BOOST_TEST(same_money(number_of(q.json, "cost"), 412.50), q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{4}, q.body);

  const int64_t order = s.order(2);
  const auto id = std::to_string(order);
  const auto token = "pm_card_" + integration::unique_tag("a");
  pay.expect(expectation("POST", "/v1/payment_intents", "payment_method=" + token, 200,
                         json_object{{"id", "pi_" + token}, {"object", "payment_intent"}, {"status", "succeeded"},
                                     {"amount", 9120}, {"currency", "rub"}},
                         1));
  ship.expect(expectation("POST", "/v2/orders", R"("number":")" + id + "\"", 202,
                          json_object{{"entity", json_object{{"uuid", "72753031-3c87-4f5e-a1b1-" + id}}},
                                      {"requests", json_array{json_object{{"type", "CREATE"}, {"state", "ACCEPTED"}}}}},
                          1));
  mail.expect(expectation("POST", "/v3/mail/send", email, 202, "{}"));
  sms.expect(expectation("POST", "/2010-04-01/Accounts/" + sid + "/Messages.json", "To=" + form_encoded(s.phone), 201,
                         json_object{{"sid", "SM" + token}, {"status", "queued"}}));

  auto paid = s.buyer.post("/api/payments/process/", process_body(order, token));
  BOOST_TEST_REQUIRE(paid.status == 200, paid.describe());
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);

  // /process/ books the shipment with CDEK (the order is paid already: no second charge).
  auto done = fulfil(s, order);
  BOOST_TEST_REQUIRE(string_of(done.json, "status") == "SUCCESS", done.describe());
  auto o = s.get_order(order);
  BOOST_TEST(string_of(o.json, "status") == "processing", o.body);
  BOOST_TEST(flag_of(o, "shipping_created"), o.body);
  BOOST_TEST(pay.recorded(matcher("POST", "/v1/payment_intents", "payment_method=" + token)).Size() == 1u);
  auto bookings = ship.recorded(matcher("POST", "/v2/orders", R"("number":")" + id + "\""));
  BOOST_TEST_REQUIRE(bookings.Size() == 1u, "CDEK POST /v2/orders for order " << id);
  BOOST_TEST(mock_first_header(bookings[0], "Authorization") == "Bearer " + cdek_token);
  auto b = mock_request_body(bookings[0]);
  const auto text = mock_request_text(bookings[0]);
  BOOST_TEST_REQUIRE(b.IsObject(), text);
  BOOST_TEST(int_of(b, "tariff_code") == std::optional<int64_t>{139}, "standard = tariff 139: " << text);
  BOOST_TEST(string_of(b["recipient"]["phones"][0], "number") == s.phone, text);
  BOOST_TEST(string_of(b["to_location"], "postal_code") == "123456", text);
  BOOST_TEST(string_of(b["from_location"], "postal_code") == st.setting("SHIPPING_ORIGIN_POSTAL_CODE"), text);
  BOOST_TEST_REQUIRE((b["packages"].IsArray() && b["packages"].Size() == 1u && b["packages"][0]["items"].IsArray()), text);
  BOOST_TEST(string_of(b["packages"][0]["items"][0], "ware_key") == s.product.sku, text);
  BOOST_TEST(int_of(b["packages"][0]["items"][0], "amount") == std::optional<int64_t>{2}, text);
  // The OAuth client credentials are the stack's.
  auto tokens = ship.recorded(matcher("POST", "/v2/oauth/token", "client_id=" + form_encoded(st.setting("SHIPPING_ACCOUNT_ID"))));
  BOOST_TEST_REQUIRE(tokens.Size() >= 1u, "CDEK token request with the stack's client_id");
  BOOST_TEST(form_fields(mock_request_text(tokens[0]))["client_secret"] == st.setting("SHIPPING_SECRET"));

  // The buyer hears of it by SendGrid e-mail and Twilio SMS.
  auto shipped = notify_shipped(s, order);
  BOOST_TEST_REQUIRE(string_of(shipped.json, "status") == "SUCCESS", shipped.describe());
  auto list = s.notifications(order, 3);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "sendgrid/sent/" + email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "twilio/sent/" + s.phone, list.body);
  BOOST_TEST(notification_in(list, "email", "order_shipped") == "sendgrid/sent/" + email, list.body);
  auto mails = mail.recorded(matcher("POST", "/v3/mail/send", email));
  BOOST_TEST_REQUIRE(mails.Size() >= 2u);
  bool shipped_mail = false;
  for (const auto& m : mails.GetArray()) {
    auto body = mock_request_body(m);
    BOOST_TEST(mock_first_header(m, "Authorization") == "Bearer " + st.setting("EMAIL_SECRET"));
    shipped_mail = shipped_mail || string_of(body, "subject") == shipped_subject(order);
  }
  BOOST_TEST(shipped_mail, "a SendGrid mail with subject " << shipped_subject(order));
  auto texts = sms.recorded(matcher("POST", "/2010-04-01/Accounts/" + sid + "/Messages.json", "To=" + form_encoded(s.phone)));
  BOOST_TEST_REQUIRE(texts.Size() >= 1u);
  BOOST_TEST(mock_first_header(texts[0], "Authorization") == basic_auth(sid, st.setting("SMS_SECRET")));
  BOOST_TEST(form_fields(mock_request_text(texts[0]))["Body"] == confirmed_subject(order));
}

BOOST_FIXTURE_TEST_CASE(stack_b_boxberry_mailgun_sms_ru_order_to_shipment, stack_mocks,
                        *boost::unit_test::label("service.boxberry") * boost::unit_test::label("service.mailgun") *
                          boost::unit_test::label("service.sms_ru") * boost::unit_test::label("service.cloudpayments") *
                          boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications") *
                          boost::unit_test::label("flow.product_purchase")) {
  const auto st = stack('B');
  shop s{st.app_url, "boxberry", true, "45.60"};
  const auto email = s.buyer.user().email;
  const auto messages = "/v3/" + st.setting("EMAIL_ACCOUNT_ID") + "/messages";
  const auto to = digits_of(s.phone);

  // Boxberry's DeliveryCosts is a GET with the token and the parcel in the query.
  ship.expect(expectation("GET", "/json.php", "", 200, R"({"price":320.5,"price_base":300,"price_service":20.5,"delivery_period":5})"));
  auto q = quote(s, "standard");
  BOOST_TEST_REQUIRE(q.status == 200, q.describe());
  BOOST_TEST(same_money(number_of(q.json, "cost"), 320.50), q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{5}, q.body);

  const int64_t order = s.order(3);
  const auto id = std::to_string(order);
  const auto token = "tk_" + integration::unique_tag("b");
  const int64_t transaction = unique_number();
  pay.expect(expectation("POST", "/payments/tokens/charge", R"("Token":")" + token + "\"", 200,
                         json_object{{"Success", true}, {"Message", nullptr},
                                     {"Model", json_object{{"TransactionId", transaction}, {"Status", "Completed"}}}},
                         1));
  // ParselCreate: form-encoded, the parcel as JSON in `sdata` (naming our order).
  const auto parcel_of_order = "%22order_id%22%3A%22" + id + "%22";
  const auto track = "BB" + std::to_string(transaction);
  ship.expect(expectation("POST", "/json.php", parcel_of_order, 200,
                          json_object{{"track", track}, {"label", "https://api.boxberry.ru/label/" + track}}, 1));
  mail.expect(expectation("POST", messages, form_encoded(email), 200, R"({"id":"<int.b@mg.shop.test>","message":"Queued. Thank you."})"));
  sms.expect(expectation("POST", "/sms/send", "to=" + to, 200,
                         json_object{{"status", "OK"}, {"status_code", 100},
                                     {"sms", json_object{{to, json_object{{"status", "OK"}, {"status_code", 100}, {"sms_id", "1-" + to}}}}},
                                     {"balance", 100.0}}));

  auto paid = s.buyer.post("/api/payments/process/", process_body(order, token));
  BOOST_TEST_REQUIRE(paid.status == 200, paid.describe());
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);

  // The document's shipping flow: create the shipment, then track it.
  auto created = s.buyer.post("/api/shipping/create/",
                              json_object{{"order_id", order}, {"service", "standard"},
                                          {"recipient", json_object{{"name", "Test User"}, {"phone", s.phone},
                                                                    {"address", json_object{{"city", "Moscow"}, {"postal_code", "123456"}}}}}});
  BOOST_TEST_REQUIRE(created.status == 201, created.describe());
  BOOST_TEST(string_of(created.json, "tracking_number") == track, created.body);
  auto tracking = s.buyer.get("/api/shipping/tracking/" + std::to_string(int_of(created.json, "id").value_or(0)) + "/");
  BOOST_TEST_REQUIRE(tracking.status == 200, tracking.describe());
  BOOST_TEST(string_of(tracking.json, "tracking_number") == track, tracking.body);
  BOOST_TEST(tracking.json.HasMember("status"));

  auto costs = ship.recorded(matcher("GET", "/json.php"));
  bool our_quote = false;
  for (const auto& r : costs.GetArray()) {
    const auto& qs = r["queryStringParameters"];
    auto first = [&](const char* name) -> std::string {
      if (qs.IsObject() && qs.HasMember(name) && qs[name].IsArray() && !qs[name].Empty())
        return qs[name][0].GetString();
      return "";
    };
    our_quote = our_quote || (first("method") == "DeliveryCosts" && first("token") == st.setting("SHIPPING_SECRET") &&
                              first("zip") == "123456" && first("weight") == "1500");
  }
  BOOST_TEST(our_quote, "Boxberry DeliveryCosts with the stack's token, zip 123456 and 1500 g");
  auto parcels = ship.recorded(matcher("POST", "/json.php", parcel_of_order));
  BOOST_TEST_REQUIRE(parcels.Size() == 1u, "Boxberry ParselCreate for order " << id);
  auto form = form_fields(mock_request_text(parcels[0]));
  BOOST_TEST(form["method"] == "ParselCreate");
  BOOST_TEST(form["token"] == st.setting("SHIPPING_SECRET"));
  rapidjson::Document sdata;
  sdata.Parse(form["sdata"].c_str());
  BOOST_TEST_REQUIRE(sdata.IsObject(), form["sdata"]);
  BOOST_TEST(string_of(sdata["customer"], "phone") == s.phone, form["sdata"]);
  BOOST_TEST(string_of(sdata["items"][0], "id") == s.product.sku, form["sdata"]);
  BOOST_TEST(int_of(sdata["items"][0], "quantity") == std::optional<int64_t>{3}, form["sdata"]);

  auto shipped = notify_shipped(s, order);
  BOOST_TEST_REQUIRE(string_of(shipped.json, "status") == "SUCCESS", shipped.describe());
  auto list = s.notifications(order, 3);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "mailgun/sent/" + email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "sms_ru/sent/" + s.phone, list.body);
  BOOST_TEST(notification_in(list, "email", "order_shipped") == "mailgun/sent/" + email, list.body);
  auto mails = mail.recorded(matcher("POST", messages, form_encoded(email)));
  BOOST_TEST_REQUIRE(mails.Size() >= 2u);
  bool shipped_mail = false;
  for (const auto& m : mails.GetArray()) {
    BOOST_TEST(mock_first_header(m, "Authorization") == basic_auth("api", st.setting("EMAIL_SECRET")));
    shipped_mail = shipped_mail || form_fields(mock_request_text(m))["subject"] == shipped_subject(order);
  }
  BOOST_TEST(shipped_mail, "a Mailgun message with subject " << shipped_subject(order));
  auto texts = sms.recorded(matcher("POST", "/sms/send", "to=" + to));
  BOOST_TEST_REQUIRE(texts.Size() >= 1u);
  auto sms_form = form_fields(mock_request_text(texts[0]));
  BOOST_TEST(sms_form["api_id"] == st.setting("SMS_SECRET"));
  BOOST_TEST(sms_form["msg"] == confirmed_subject(order));
}

BOOST_FIXTURE_TEST_CASE(stack_c_russian_post_smtp_order_to_shipment, stack_mocks,
                        *boost::unit_test::label("service.russian_post") * boost::unit_test::label("service.smtp") *
                          boost::unit_test::label("service.yookassa") * boost::unit_test::label("module.orders_payments") *
                          boost::unit_test::label("module.payments_notifications") *
                          boost::unit_test::label("flow.order_fulfillment")) {
  const auto st = stack('C');
  shop s{st.app_url, "rupost", false, "45.60"};
  const auto email = s.buyer.user().email;
  const auto user_auth = basic_auth(st.setting("SHIPPING_ACCOUNT_ID"), st.setting("SHIPPING_SECRET"));

  // Otpravka's tariff: kopecks, rate plus VAT.
  ship.expect(expectation("POST", "/1.0/tariff", "", 200, R"({"total-rate":25000,"total-vat":5000,"delivery-time":{"max-days":6}})"));
  auto q = quote(s, "express");
  BOOST_TEST_REQUIRE(q.status == 200, q.describe());
  BOOST_TEST(same_money(number_of(q.json, "cost"), 300.00), q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{6}, q.body);
  auto tariffs = ship.recorded(matcher("POST", "/1.0/tariff"));
  BOOST_TEST_REQUIRE(tariffs.Size() >= 1u);
  const auto& last_tariff = tariffs[tariffs.Size() - 1];
  BOOST_TEST(mock_first_header(last_tariff, "Authorization") == "AccessToken " + st.setting("SHIPPING_ACCESS_TOKEN"));
  BOOST_TEST(mock_first_header(last_tariff, "X-User-Authorization") == user_auth);

  // /process/ charges an unpaid order itself (API.md §3.4): YooKassa answers succeeded at once.
  const int64_t order = s.order(1);
  const auto id = std::to_string(order);
  const auto payment = "2d6b1f3a-000f-5000-9000-" + integration::unique_tag("c");
  pay.expect(expectation("POST", "/v3/payments", R"("order_id":")" + id + "\"", 200,
                         json_object{{"id", payment}, {"status", "succeeded"}, {"paid", true},
                                     {"amount", json_object{{"value", "45.60"}, {"currency", "RUB"}}}},
                         1));
  ship.expect(expectation("PUT", "/1.0/user/backlog", R"("order-num":")" + id + "\"", 200,
                          json_object{{"result-ids", json_array{unique_number()}}}, 1));

  auto done = fulfil(s, order);
  BOOST_TEST_REQUIRE(string_of(done.json, "status") == "SUCCESS", done.describe());
  auto o = s.get_order(order);
  BOOST_TEST(string_of(o.json, "status") == "processing", o.body);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(flag_of(o, "payment_processed"), o.body);
  BOOST_TEST(flag_of(o, "shipping_created"), o.body);
  BOOST_TEST(pay.recorded(matcher("POST", "/v3/payments", R"("order_id":")" + id + "\"")).Size() == 1u);
  auto backlog = ship.recorded(matcher("PUT", "/1.0/user/backlog", R"("order-num":")" + id + "\""));
  BOOST_TEST_REQUIRE(backlog.Size() == 1u, "Russian Post backlog for order " << id);
  BOOST_TEST(mock_first_header(backlog[0], "Authorization") == "AccessToken " + st.setting("SHIPPING_ACCESS_TOKEN"));
  BOOST_TEST(mock_first_header(backlog[0], "X-User-Authorization") == user_auth);
  auto entries = mock_request_body(backlog[0]);
  BOOST_TEST_REQUIRE((entries.IsArray() && entries.Size() == 1u), mock_request_text(backlog[0]));
  BOOST_TEST(int_of(entries[0], "index-to") == std::optional<int64_t>{123456}, mock_request_text(backlog[0]));
  BOOST_TEST(string_of(entries[0], "place-to") == "Moscow", mock_request_text(backlog[0]));

  // Both e-mails reach the SMTP test server; stack C has no SMS provider.
  auto shipped = notify_shipped(s, order);
  BOOST_TEST_REQUIRE(string_of(shipped.json, "status") == "SUCCESS", shipped.describe());
  auto list = s.notifications(order, 2);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "smtp/sent/" + email, list.body);
  BOOST_TEST(notification_in(list, "email", "order_shipped") == "smtp/sent/" + email, list.body);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "<none>", list.body);
  auto confirmation = wait_for_mail(email, confirmed_subject(order));
  BOOST_TEST(confirmation.has_value(), "order_confirmation to " << email << " in SMTP_MAILDIR");
  auto shipped_mail = wait_for_mail(email, shipped_subject(order));
  BOOST_TEST_REQUIRE(shipped_mail.has_value(), "order_shipped to " << email << " in SMTP_MAILDIR");
  BOOST_TEST(shipped_mail->header("Subject") == shipped_subject(order), shipped_mail->raw);
  BOOST_TEST(shipped_mail->header("From").find(st.setting("EMAIL_FROM")) != std::string::npos, shipped_mail->raw);
}

BOOST_AUTO_TEST_SUITE_END()
