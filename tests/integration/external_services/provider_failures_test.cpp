// What the provider stacks do when a real provider refuses, in that provider's own way: CDEK accepts
// the HTTP request but marks the order INVALID, SMS.ru answers HTTP 200 with status ERROR. The
// refusal reaches the buyer's records (a failed task, a failed notification) and leaves everything
// else as it was and retryable; it never passes for success.
#include "tests/integration/base/provider_stacks.hpp"

#include "tests/http/support/mock_control.hpp"

using namespace integration;
using http_test::json_array;
using http_test::json_object;
using http_test::process_body;
using http_test::response;
using http_test::string_of;

BOOST_AUTO_TEST_SUITE(external_services_provider_failures)

BOOST_FIXTURE_TEST_CASE(stack_a_cdek_invalid_order_fails_fulfilment_until_cdek_accepts, stack_mocks,
                        *boost::unit_test::label("service.cdek") * boost::unit_test::label("service.stripe") *
                          boost::unit_test::label("flow.order_fulfillment")) {
  const auto st = stack('A');
  shop s{st.app_url, "cdekrefused", false, "30.00"};
  ship.expect(expectation("POST", "/v2/oauth/token", "", 200,
                          json_object{{"access_token", "cdek-integration-token-a"}, {"expires_in", 3599}}));
  const int64_t order = s.order(1);
  const auto id = std::to_string(order);
  const auto token = "pm_card_" + integration::unique_tag("r");
  pay.expect(expectation("POST", "/v1/payment_intents", "payment_method=" + token, 200,
                         json_object{{"id", "pi_" + token}, {"status", "succeeded"}}, 1));
  auto paid = s.buyer.post("/api/payments/process/", process_body(order, token));
  BOOST_TEST_REQUIRE(paid.status == 200, paid.describe());

  // CDEK takes the request (202) but refuses the order: nothing is booked, the task fails.
  ship.expect(expectation("POST", "/v2/orders", R"("number":")" + id + "\"", 202,
                          R"({"entity":{"uuid":"00000000-0000-0000-0000-000000000000"},"requests":[{"type":"CREATE","state":"INVALID","errors":[{"code":"v2_field_is_empty","message":"to_location.address is empty"}]}]})",
                          1));
  auto failed = wait_for_task(s.buyer, accepted_task_id(s.buyer.post("/api/orders/" + id + "/process/", "{}")));
  BOOST_TEST(string_of(failed.json, "status") == "FAILURE", failed.describe());
  auto o = s.get_order(order);
  BOOST_TEST(!flag_of(o, "shipping_created"), o.body);
  BOOST_TEST(string_of(o.json, "status") == "confirmed", "the order keeps the state it reached: " << o.body);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);

  // Once CDEK accepts, the same order is fulfilled, and Stripe is not charged again.
  ship.expect(expectation("POST", "/v2/orders", R"("number":")" + id + "\"", 202,
                          json_object{{"entity", json_object{{"uuid", "72753031-3c87-4f5e-a1b1-" + id}}},
                                      {"requests", json_array{json_object{{"type", "CREATE"}, {"state", "ACCEPTED"}}}}},
                          1));
  auto done = wait_for_task(s.buyer, accepted_task_id(s.buyer.post("/api/orders/" + id + "/process/", "{}")));
  BOOST_TEST_REQUIRE(string_of(done.json, "status") == "SUCCESS", done.describe());
  auto fulfilled = s.get_order(order);
  BOOST_TEST(flag_of(fulfilled, "shipping_created"), fulfilled.body);
  BOOST_TEST(string_of(fulfilled.json, "status") == "processing", fulfilled.body);
  // (the failed task may have asked CDEK again on each of its attempts before giving up)
  BOOST_TEST(ship.recorded(matcher("POST", "/v2/orders", R"("number":")" + id + "\"")).Size() >= 2u);
  BOOST_TEST(pay.recorded(matcher("POST", "/v1/payment_intents", "payment_method=" + token)).Size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(stack_b_sms_ru_error_is_a_failed_sms_not_a_failed_payment, stack_mocks,
                        *boost::unit_test::label("service.sms_ru") * boost::unit_test::label("service.mailgun") *
                          boost::unit_test::label("service.cloudpayments") *
                          boost::unit_test::label("module.payments_notifications")) {
  const auto st = stack('B');
  shop s{st.app_url, "smsrefused", true, "30.00"};
  const auto email = s.buyer.user().email;
  const auto to = digits_of(s.phone);
  const int64_t order = s.order(1);
  const auto token = "tk_" + integration::unique_tag("e");
  pay.expect(expectation("POST", "/payments/tokens/charge", R"("Token":")" + token + "\"", 200,
                         json_object{{"Success", true}, {"Model", json_object{{"TransactionId", unique_number()}, {"Status", "Completed"}}}},
                         1));
  mail.expect(expectation("POST", "/v3/" + st.setting("EMAIL_ACCOUNT_ID") + "/messages", form_encoded(email), 200,
                          R"({"id":"<int.e@mg.shop.test>","message":"Queued. Thank you."})"));
  // SMS.ru says HTTP 200 whatever happened: the request's status is ERROR (a bad api_id).
  sms.expect(expectation("POST", "/sms/send", "to=" + to, 200,
                         R"({"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"})"));

  auto paid = s.buyer.post("/api/payments/process/", process_body(order, token));
  BOOST_TEST_REQUIRE(paid.status == 200, paid.describe());
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);
  BOOST_TEST(string_of(s.get_order(order).json, "payment_status") == "paid");
  auto list = s.notifications(order, 2);
  BOOST_TEST(notification_in(list, "sms", "order_confirmation") == "sms_ru/failed/" + s.phone, list.body);
  BOOST_TEST(notification_in(list, "email", "order_confirmation") == "mailgun/sent/" + email, list.body);
  BOOST_TEST(sms.recorded(matcher("POST", "/sms/send", "to=" + to)).Size() >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
