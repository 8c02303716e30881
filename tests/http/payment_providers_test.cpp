// Payment providers (GATEWAYS.md §2.1, API.md §3.5): servers with PAYMENT_PROVIDER=yookassa,
// =stripe and =cloudpayments against a commerce-mock, checking the exact outbound requests (paths,
// auth, idempotency headers, bodies), the status mapping (CloudPayments' 3-D Secure answer
// included), refunds, that the secret never reaches the log or gateway_calls, and that missing
// credentials stop the server at start with exit code 2.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>


using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const yk_shop = "shop4242";
const char* const yk_secret = "yk_secret_Zq9";
const char* const yk_basic = "Basic c2hvcDQyNDI6eWtfc2VjcmV0X1pxOQ==";  // base64("shop4242:yk_secret_Zq9")
const char* const stripe_key = "sk_test_51SecretKeyXyz";
const char* const cp_public_id = "pk_1a2b3c4d5e6f";
const char* const cp_secret = "cp_api_secret_7Hq";
const char* const cp_basic = "Basic cGtfMWEyYjNjNGQ1ZTZmOmNwX2FwaV9zZWNyZXRfN0hx";  // base64("pk_1a2b3c4d5e6f:cp_api_secret_7Hq")

struct provider_world : gateway_world {
  gateway_mock& pay = gateway;
  std::string token = "pm_card_visa";  ///< the payment_token process() sends

  provider_world(const std::string& provider, const std::string& api_suffix, const env_overrides& creds)
    : gateway_world("PAYMENT", provider, api_suffix, creds, "provider") {}

  response process(int64_t id) { return c->post("/api/payments/process/", process_body(id, token), owner.access); }
  response create(int64_t id) {
    return c->post("/api/payments/create/", json_object{{"order_id", id}, {"return_url", "https://shop.example/back"}},
                   owner.access);
  }
  response confirm(int64_t payment_id) {
    return c->post("/api/payments/confirm/", confirm_body(payment_id), owner.access);
  }
  response order(int64_t id) { return c->get("/api/orders/" + std::to_string(id) + "/", owner.access); }
  response refund(int64_t id, const std::string& amount) {
    return c->post("/api/payments/refund/", refund_body(id, amount, "customer request"), owner.access);
  }
};

/// A server speaking CloudPayments (base URL without a version, like https://api.cloudpayments.ru),
/// paid with a saved card (a "tk_" token: /payments/tokens/charge).
std::unique_ptr<provider_world> cloudpayments_world() {
  auto w = std::make_unique<provider_world>(
    "cloudpayments", "", env_overrides{{"PAYMENT_ACCOUNT_ID", std::string{cp_public_id}}, {"PAYMENT_SECRET", std::string{cp_secret}}});
  w->token = "tk_4f3a9c2e1b7d";
  return w;
}

/// CloudPayments answers HTTP 200 whatever happened: {Success, Message, Model}.
std::string cp_answer(bool success, const std::string& model_json) {
  return json_object{{"Success", success}, {"Message", nullptr}, {"Model", json_raw(model_json)}};
}

const std::string cp_charge = R"({"method":"POST","path":"/payments/tokens/charge"})";
const std::string cp_get = R"({"method":"POST","path":"/payments/get"})";
const std::string cp_refund = R"({"method":"POST","path":"/payments/refund"})";

/// Member `key` is a JSON number (not a string) equal to `value`, within the money tolerance.
bool is_number(const rapidjson::Value& v, const char* key, double value) {
  return v.IsObject() && v.HasMember(key) && v[key].IsNumber() && same_money(v[key].GetDouble(), value);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(payment_providers)

BOOST_AUTO_TEST_CASE(yookassa_requests_statuses_and_refund) {
  provider_world w{"yookassa", "/v3", {{"PAYMENT_ACCOUNT_ID", std::string{yk_shop}}, {"PAYMENT_SECRET", std::string{yk_secret}}}};
  w.pay.expect(json_expectation(
    "POST", "/v3/payments", 200,
    R"({"id":"2d6b1f3a-000f-5000-8000-1a2b3c4d5e6f","status":"pending","paid":false,"amount":{"value":"12.34","currency":"RUB"},"confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/checkout/payments/v2/contract?orderId=2d6b"}})"));
  w.pay.expect(json_expectation(
    "GET", "/v3/payments/.+", 200,
    R"({"id":"2d6b1f3a-000f-5000-8000-1a2b3c4d5e6f","status":"succeeded","paid":true,"amount":{"value":"12.34","currency":"RUB"}})"));
  int64_t order = w.new_order();
  auto p = w.process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST(string_of(p.json, "status") == "succeeded", p.body);

  auto posts = w.pay.recorded_requests(R"({"method":"POST","path":"/v3/payments"})");
  BOOST_TEST_REQUIRE(posts.Size() == 1u);
  BOOST_TEST(mock_first_header(posts[0], "Authorization") == yk_basic);
  BOOST_TEST(is_uuid(mock_first_header(posts[0], "Idempotence-Key")), mock_first_header(posts[0], "Idempotence-Key"));
  auto body = mock_request_body(posts[0]);
  BOOST_TEST_REQUIRE(body.IsObject(), "YooKassa body is not JSON: " << mock_request_text(posts[0]));
  BOOST_TEST_REQUIRE((body.HasMember("amount") && body["amount"].IsObject()));
  BOOST_TEST((body["amount"].HasMember("value") && body["amount"]["value"].IsString()), "amount.value must be a string");
  BOOST_TEST(string_of(body["amount"], "value") == "12.34");
  BOOST_TEST(string_of(body["amount"], "currency") == "RUB");
  BOOST_TEST((body.HasMember("capture") && body["capture"].IsBool() && body["capture"].GetBool()));
  BOOST_TEST_REQUIRE((body.HasMember("confirmation") && body["confirmation"].IsObject()));
  BOOST_TEST(string_of(body["confirmation"], "type") == "redirect");
  BOOST_TEST_REQUIRE((body.HasMember("metadata") && body["metadata"].IsObject()));
  const auto& md = body["metadata"];
  bool order_ok = (md.HasMember("order_id") && md["order_id"].IsString() && md["order_id"].GetString() == std::to_string(order)) ||
                  int_of(md, "order_id") == std::optional<int64_t>{order};
  BOOST_TEST(order_ok, "metadata.order_id");
  auto gets = w.pay.recorded_requests(R"({"method":"GET","path":"/v3/payments/.+"})");
  BOOST_TEST_REQUIRE(gets.Size() == 1u);
  BOOST_TEST(string_of(gets[0], "path") == "/v3/payments/2d6b1f3a-000f-5000-8000-1a2b3c4d5e6f");
  BOOST_TEST(mock_first_header(gets[0], "Authorization") == yk_basic);

  // refund
  w.pay.expect(json_expectation("POST", "/v3/refunds", 200,
                              R"({"id":"rf-1","status":"succeeded","amount":{"value":"5.00","currency":"RUB"}})"));
  auto r = w.refund(order, "5");
  REQUIRE_STATUS(r, 201);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  auto refunds = w.pay.recorded_requests(R"({"method":"POST","path":"/v3/refunds"})");
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  auto rb = mock_request_body(refunds[0]);
  BOOST_TEST_REQUIRE(rb.IsObject());
  BOOST_TEST(string_of(rb, "payment_id") == "2d6b1f3a-000f-5000-8000-1a2b3c4d5e6f");
  BOOST_TEST_REQUIRE((rb.HasMember("amount") && rb["amount"].IsObject()));
  BOOST_TEST(string_of(rb["amount"], "value") == "5.00");
  BOOST_TEST(string_of(rb["amount"], "currency") == "RUB");
  BOOST_TEST(mock_first_header(refunds[0], "Authorization") == yk_basic);
  BOOST_TEST(is_uuid(mock_first_header(refunds[0], "Idempotence-Key")));

  // status mapping through create + confirm
  auto map_status = [&](const std::string& gateway_status) {
    w.pay.reset();
    w.pay.expect(json_expectation("POST", "/v3/payments", 200,
                                R"({"id":"yk-2","status":"pending","confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/c/2"}})"));
    w.pay.expect(json_expectation("GET", "/v3/payments/.+", 200, json_object{{"id", "yk-2"}, {"status", gateway_status}}));
    int64_t o = w.new_order();
    auto cr = w.create(o);
    BOOST_TEST_REQUIRE(cr.status == 201, cr.describe());
    BOOST_TEST(string_of(cr.json, "confirmation_url") == "https://yoomoney.ru/c/2", cr.body);
    auto posted = w.pay.recorded_requests(R"({"method":"POST","path":"/v3/payments"})");
    if (posted.Size() == 1u) {
      auto b = mock_request_body(posted[0]);
      if (b.IsObject() && b.HasMember("confirmation") && b["confirmation"].IsObject())
        BOOST_TEST(string_of(b["confirmation"], "return_url") == "https://shop.example/back");
    }
    auto cf = w.confirm(int_of(cr.json, "id").value_or(0));
    BOOST_TEST_REQUIRE(cf.status == 200, cf.describe());
    return string_of(cf.json, "status");
  };
  BOOST_TEST(map_status("pending") == "pending");
  BOOST_TEST(map_status("waiting_for_capture") == "pending");
  BOOST_TEST(map_status("succeeded") == "succeeded");
  BOOST_TEST(map_status("canceled") == "failed");

  check_secret_hidden(*w.server, yk_secret);
}

BOOST_AUTO_TEST_CASE(stripe_requests_statuses_and_refund) {
  provider_world w{"stripe", "/v1", {{"PAYMENT_SECRET", std::string{stripe_key}}, {"PAYMENT_ACCOUNT_ID", std::nullopt}}};
  w.pay.expect(json_expectation(
    "POST", "/v1/payment_intents", 200,
    R"({"id":"pi_3Abc","object":"payment_intent","status":"requires_action","amount":1234,"currency":"rub","next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds/abc","return_url":"https://shop.example/back"}}})"));
  int64_t order = w.new_order();
  auto cr = w.create(order);
  REQUIRE_STATUS(cr, 201);
  BOOST_TEST(string_of(cr.json, "status") == "pending", cr.body);
  BOOST_TEST(string_of(cr.json, "confirmation_url") == "https://hooks.stripe.com/3ds/abc", cr.body);
  BOOST_TEST(string_of(cr.json, "provider_payment_id") == "pi_3Abc", cr.body);

  auto posts = w.pay.recorded_requests(R"({"method":"POST","path":"/v1/payment_intents"})");
  BOOST_TEST_REQUIRE(posts.Size() == 1u);
  BOOST_TEST(mock_first_header(posts[0], "Authorization") == std::string{"Bearer "} + stripe_key);
  BOOST_TEST(mock_first_header(posts[0], "Idempotency-Key") != "<none>");
  BOOST_TEST(mock_first_header(posts[0], "Content-Type").find("application/x-www-form-urlencoded") == 0,
             mock_first_header(posts[0], "Content-Type"));
  auto form = mock_request_text(posts[0]);
  auto has = [&](const std::string& part) {
    return ("&" + form + "&").find("&" + part + "&") != std::string::npos;
  };
  BOOST_TEST(has("amount=1234"), form);
  BOOST_TEST(has("currency=rub"), form);
  BOOST_TEST(has("confirm=true"), form);
  BOOST_TEST((has("metadata[order_id]=" + std::to_string(order)) || has("metadata%5Border_id%5D=" + std::to_string(order))),
             form);

  // confirm -> GET succeeded
  w.pay.expect(json_expectation("GET", "/v1/payment_intents/.+", 200,
                              R"({"id":"pi_3Abc","object":"payment_intent","status":"succeeded","amount":1234,"currency":"rub"})"));
  auto cf = w.confirm(int_of(cr.json, "id").value_or(0));
  REQUIRE_STATUS(cf, 200);
  BOOST_TEST(string_of(cf.json, "status") == "succeeded", cf.body);
  auto gets = w.pay.recorded_requests(R"({"method":"GET","path":"/v1/payment_intents/.+"})");
  BOOST_TEST_REQUIRE(gets.Size() == 1u);
  BOOST_TEST(string_of(gets[0], "path") == "/v1/payment_intents/pi_3Abc");
  BOOST_TEST(mock_first_header(gets[0], "Authorization") == std::string{"Bearer "} + stripe_key);

  // refund
  w.pay.expect(json_expectation("POST", "/v1/refunds", 200, R"({"id":"re_1","object":"refund","status":"succeeded","amount":500})"));
  auto r = w.refund(order, "5.00");
  REQUIRE_STATUS(r, 201);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  auto refunds = w.pay.recorded_requests(R"({"method":"POST","path":"/v1/refunds"})");
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  form = mock_request_text(refunds[0]);
  BOOST_TEST(has("payment_intent=pi_3Abc"), form);
  BOOST_TEST(has("amount=500"), form);
  BOOST_TEST(mock_first_header(refunds[0], "Idempotency-Key") != "<none>");

  // requires_payment_method -> failed
  w.pay.reset();
  w.pay.expect(json_expectation("POST", "/v1/payment_intents", 200,
                              R"({"id":"pi_2","status":"requires_action","next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds/2"}}})"));
  w.pay.expect(json_expectation("GET", "/v1/payment_intents/.+", 200, R"({"id":"pi_2","status":"requires_payment_method"})"));
  int64_t second = w.new_order();
  auto cr2 = w.create(second);
  REQUIRE_STATUS(cr2, 201);
  auto cf2 = w.confirm(int_of(cr2.json, "id").value_or(0));
  REQUIRE_STATUS(cf2, 200);
  BOOST_TEST(string_of(cf2.json, "status") == "failed", cf2.body);

  check_secret_hidden(*w.server, stripe_key);
}

BOOST_AUTO_TEST_CASE(cloudpayments_charge_and_refund_requests) {
  auto w = cloudpayments_world();
  w->pay.expect(json_expectation(
    "POST", "/payments/tokens/charge", 200,
    cp_answer(true, R"({"TransactionId":891510,"Amount":12.34,"Currency":"RUB","Status":"Completed","CardHolderMessage":"Оплата успешно проведена"})")));
  int64_t order = w->new_order();
  auto p = w->process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST(string_of(p.json, "status") == "succeeded", p.body);
  BOOST_TEST(string_of(p.json, "provider_payment_id") == "891510", p.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "paid");

  auto charges = w->pay.recorded_requests(cp_charge);
  BOOST_TEST_REQUIRE(charges.Size() == 1u);
  BOOST_TEST(mock_first_header(charges[0], "Authorization") == cp_basic);
  BOOST_TEST(mock_first_header(charges[0], "Content-Type").find("application/json") == 0u,
             mock_first_header(charges[0], "Content-Type"));
  BOOST_TEST(is_uuid(mock_first_header(charges[0], "X-Request-ID")),
             mock_first_header(charges[0], "X-Request-ID"));
  auto body = mock_request_body(charges[0]);
  BOOST_TEST_REQUIRE(body.IsObject(), "CloudPayments body is not JSON: " << mock_request_text(charges[0]));
  const auto text = mock_request_text(charges[0]);
  BOOST_TEST(is_number(body, "Amount", 12.34), "Amount must be the number 12.34: " << text);
  BOOST_TEST(string_of(body, "Currency") == "RUB", text);
  BOOST_TEST(string_of(body, "AccountId") == std::to_string(w->owner.id), text);
  BOOST_TEST(string_of(body, "Token") == "tk_4f3a9c2e1b7d", text);
  BOOST_TEST(!body.HasMember("CardCryptogramPacket"), text);
  BOOST_TEST(string_of(body, "InvoiceId") == std::to_string(order), text);
  BOOST_TEST(string_of(body, "Description") == "Order #" + std::to_string(order), text);
  BOOST_TEST(int_of(body, "TrInitiatorCode") == std::optional<int64_t>{1}, "customer-initiated: " << text);
  // Completed needs no status check.
  BOOST_TEST(w->pay.recorded_requests(cp_get).Size() == 0u);

  // A refused refund (HTTP 200, Success:false) is a gateway failure: 502, and nothing changes.
  w->pay.expect(json_expectation("POST", "/payments/refund", 200,
                                 R"({"Success":false,"Message":"Refund amount exceeds the available balance","Model":null})"));
  CHECK_ERROR(w->refund(order, "5.00"), 502, "payment_gateway_error");
  BOOST_TEST(w->pay.recorded_requests(cp_refund).Size() == 1u);
  auto unrefunded = w->order(order);
  BOOST_TEST(string_of(unrefunded.json, "payment_status") == "paid", unrefunded.body);
  BOOST_TEST(same_money(number_of(unrefunded.json, "refunded_amount"), 0.0), unrefunded.body);
  w->pay.reset();

  // refund: the transaction id goes back as a number, the amount in major units
  w->pay.expect(json_expectation("POST", "/payments/refund", 200, cp_answer(true, R"({"TransactionId":891511})")));
  auto r = w->refund(order, "5.00");
  REQUIRE_STATUS(r, 201);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  BOOST_TEST(same_money(number_of(r.json, "amount"), 5.00), r.body);
  auto refunds = w->pay.recorded_requests(cp_refund);
  BOOST_TEST_REQUIRE(refunds.Size() == 1u);
  auto rb = mock_request_body(refunds[0]);
  BOOST_TEST_REQUIRE(rb.IsObject(), mock_request_text(refunds[0]));
  BOOST_TEST(int_of(rb, "TransactionId") == std::optional<int64_t>{891510}, mock_request_text(refunds[0]));
  BOOST_TEST(is_number(rb, "Amount", 5.00), mock_request_text(refunds[0]));
  BOOST_TEST(mock_first_header(refunds[0], "Authorization") == cp_basic);
  BOOST_TEST(is_uuid(mock_first_header(refunds[0], "X-Request-ID")),
             mock_first_header(refunds[0], "X-Request-ID"));
  BOOST_TEST(mock_first_header(refunds[0], "X-Request-ID") != mock_first_header(charges[0], "X-Request-ID"),
             "the refund reuses the charge's idempotency key");
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "partially_refunded");

  check_secret_hidden(*w->server, cp_secret);
}

BOOST_AUTO_TEST_CASE(cloudpayments_card_cryptogram_goes_to_cards_charge_with_the_buyers_ip) {
  auto w = cloudpayments_world();
  // What the CloudPayments widget hands the shop for a new card (shortened).
  w->token = "eyJUeXBlIjoiQ2xvdWRDYXJkIiwiQnJvd3NlckluZm9CYXNlNjQiOiJleUpCWTJObGNIUkl";
  w->pay.expect(json_expectation("POST", "/payments/cards/charge", 200,
                                 cp_answer(true, R"({"TransactionId":891600,"Status":"Completed"})")));
  int64_t order = w->new_order();
  auto p = w->process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST(string_of(p.json, "status") == "succeeded", p.body);
  BOOST_TEST(w->pay.recorded_requests(cp_charge).Size() == 0u, "a cryptogram is not a saved token");
  auto charges = w->pay.recorded_requests(R"({"method":"POST","path":"/payments/cards/charge"})");
  BOOST_TEST_REQUIRE(charges.Size() == 1u);
  BOOST_TEST(mock_first_header(charges[0], "Authorization") == cp_basic);
  auto body = mock_request_body(charges[0]);
  const auto text = mock_request_text(charges[0]);
  BOOST_TEST_REQUIRE(body.IsObject(), text);
  BOOST_TEST(string_of(body, "CardCryptogramPacket") == w->token, text);
  BOOST_TEST(string_of(body, "IpAddress") == "127.0.0.1", "the buyer's address as the server saw it: " << text);
  BOOST_TEST(!body.HasMember("Token"), text);
  BOOST_TEST(string_of(body, "InvoiceId") == std::to_string(order), text);
  BOOST_TEST(is_number(body, "Amount", 12.34), text);

  // Two-step create without a token: CloudPayments has nothing to charge, and is not asked.
  int64_t second = w->new_order();
  auto created = w->create(second);
  REQUIRE_STATUS(created, 201);
  BOOST_TEST(string_of(created.json, "status") == "failed", created.body);
  BOOST_TEST(w->pay.recorded_requests(R"({"path":"/payments/.*charge"})").Size() == 1u);
  BOOST_TEST(string_of(w->order(second).json, "payment_status") == "unpaid");
}

BOOST_AUTO_TEST_CASE(cloudpayments_declines_fail_and_the_order_stays_payable) {
  auto w = cloudpayments_world();
  // Declined, with the bank's message for the card holder.
  const auto declined = cp_answer(
    false, R"({"TransactionId":891520,"Status":"Declined","ReasonCode":5051,"CardHolderMessage":"Недостаточно средств на карте"})");
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200, declined));
  w->pay.expect(json_expectation("POST", "/payments/get", 200, declined));
  int64_t order = w->new_order();
  auto p = w->process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST(string_of(p.json, "status") == "failed", p.body);
  auto o = w->order(order);
  BOOST_TEST(string_of(o.json, "payment_status") == "unpaid", o.body);
  BOOST_TEST(string_of(o.json, "status") == "pending", o.body);
  BOOST_TEST(w->pay.recorded_requests(cp_charge).Size() == 1u);

  // Success:false without a Model (e.g. a bad token): failed too.
  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200, R"({"Success":false,"Message":"Invalid token"})"));
  auto again = w->process(order);
  REQUIRE_STATUS(again, 200);
  BOOST_TEST(string_of(again.json, "status") == "failed", again.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "unpaid");

  // The order is payable again once the bank agrees.
  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200,
                                 cp_answer(true, R"({"TransactionId":891521,"Status":"Completed"})")));
  auto paid = w->process(order);
  REQUIRE_STATUS(paid, 200);
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "paid");

  check_secret_hidden(*w->server, cp_secret);
}

// A 5xx on a CloudPayments charge leaves its outcome unknown (API.md §5). Before anything new is
// sent, CloudPayments is asked for the order's payment (POST /payments/find {InvoiceId}): found
// Completed, the charge settles paid with no second charge; not found, it never existed, and
// only then does a new charge go, under a new X-Request-ID.
BOOST_AUTO_TEST_CASE(cloudpayments_unknown_charge_is_settled_by_a_lookup_of_the_order) {
  auto w = cloudpayments_world();
  const std::string cp_find = R"({"method":"POST","path":"/payments/find"})";
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 500, R"({"Message":"internal"})"));
  int64_t order = w->new_order();
  CHECK_ERROR(w->process(order), 502, "payment_gateway_error");
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "pending", "the 5xx charge awaits settling");

  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/find", 200,
                                 cp_answer(true, json_object{{"TransactionId", 891530},
                                                             {"Status", "Completed"},
                                                             {"InvoiceId", std::to_string(order)}})));
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200,
                                 cp_answer(true, R"({"TransactionId":891531,"Status":"Completed"})")));
  auto settled = w->process(order);
  REQUIRE_STATUS(settled, 200);
  BOOST_TEST(string_of(settled.json, "status") == "succeeded", settled.body);
  BOOST_TEST(string_of(settled.json, "provider_payment_id") == "891530", settled.body);
  BOOST_TEST(w->pay.recorded_requests(cp_charge).Size() == 0u, "no second charge");
  auto finds = w->pay.recorded_requests(cp_find);
  BOOST_TEST_REQUIRE(finds.Size() == 1u);
  BOOST_TEST(string_of(mock_request_body(finds[0]), "InvoiceId") == std::to_string(order));
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "paid");
  BOOST_TEST(db_int("SELECT count(*) FROM payments WHERE order_id = $1::bigint", {std::to_string(order)}) == 1);

  // Not found at CloudPayments: the unknown charge never existed; a new one goes, with a new key.
  int64_t next = w->new_order();
  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 500, R"({"Message":"internal"})"));
  CHECK_ERROR(w->process(next), 502, "payment_gateway_error");
  const auto first_key = db_value("SELECT idempotence_key::text FROM payments WHERE order_id = $1::bigint",
                                  {std::to_string(next)}).value_or("<none>");
  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/find", 200, R"({"Success":false,"Message":"Not found"})"));
  w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200,
                                 cp_answer(true, R"({"TransactionId":891532,"Status":"Completed"})")));
  auto fresh = w->process(next);
  REQUIRE_STATUS(fresh, 200);
  BOOST_TEST(string_of(fresh.json, "status") == "succeeded", fresh.body);
  auto charges = w->pay.recorded_requests(cp_charge);
  BOOST_TEST_REQUIRE(charges.Size() == 1u, "one new charge after the lookup found none");
  BOOST_TEST(mock_first_header(charges[0], "X-Request-ID") != first_key, "the new charge has a new key");
  BOOST_TEST(db_value("SELECT string_agg(status, ',' ORDER BY id) FROM payments WHERE order_id = $1::bigint",
                      {std::to_string(next)})
               .value_or("") == "failed,succeeded");
}

BOOST_AUTO_TEST_CASE(cloudpayments_status_mapping) {
  auto w = cloudpayments_world();
  // An Authorized charge is checked again with /payments/get, whose Status decides.
  auto status_after_check = [&](const std::string& model_status) {
    w->pay.reset();
    w->pay.expect(json_expectation("POST", "/payments/tokens/charge", 200,
                                   cp_answer(true, R"({"TransactionId":891530,"Status":"Authorized"})")));
    w->pay.expect(json_expectation("POST", "/payments/get", 200,
                                   cp_answer(model_status == "Completed" || model_status == "Authorized",
                                             json_object{{"TransactionId", 891530}, {"Status", model_status}})));
    auto p = w->process(w->new_order());
    BOOST_TEST_REQUIRE(p.status == 200, model_status << ": " << p.describe());
    auto gets = w->pay.recorded_requests(cp_get);
    BOOST_TEST_REQUIRE(gets.Size() == 1u, model_status);
    auto gb = mock_request_body(gets[0]);
    BOOST_TEST(int_of(gb, "TransactionId") == std::optional<int64_t>{891530},
               "TransactionId must be the number: " << mock_request_text(gets[0]));
    BOOST_TEST(mock_first_header(gets[0], "Authorization") == cp_basic);
    return string_of(p.json, "status");
  };
  BOOST_TEST(status_after_check("Completed") == "succeeded");
  BOOST_TEST(status_after_check("Authorized") == "pending");
  BOOST_TEST(status_after_check("Declined") == "failed");
  BOOST_TEST(status_after_check("Cancelled") == "failed");
}

BOOST_AUTO_TEST_CASE(cloudpayments_3ds_is_pending_with_the_acs_url) {
  auto w = cloudpayments_world();
  // 3-D Secure: Success:false with Model.AcsUrl; the status check meanwhile says the bank waits.
  w->pay.expect(json_expectation(
    "POST", "/payments/tokens/charge", 200,
    cp_answer(false, R"({"TransactionId":891540,"PaReq":"eJxVUdtugkAQ/RXD","AcsUrl":"https://demo.cloudpayments.ru/acs","ThreeDsCallbackId":"7be4d37f0a434c0a8a7fc0e328368d7d"})")));
  w->pay.expect(json_expectation("POST", "/payments/get", 200,
                                 cp_answer(true, R"({"TransactionId":891540,"Status":"AwaitingAuthentication"})")));
  int64_t order = w->new_order();
  auto p = w->process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST(string_of(p.json, "status") == "pending", p.body);
  BOOST_TEST(string_of(p.json, "confirmation_url") == "https://demo.cloudpayments.ru/acs", p.body);
  BOOST_TEST(string_of(p.json, "provider_payment_id") == "891540", p.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "pending");
  BOOST_TEST(w->pay.recorded_requests(cp_charge).Size() == 1u);

  // The buyer passed 3-D Secure: the next check finds the payment Completed.
  w->pay.reset();
  w->pay.expect(json_expectation("POST", "/payments/get", 200,
                                 cp_answer(true, R"({"TransactionId":891540,"Status":"Completed"})")));
  auto cf = w->confirm(int_of(p.json, "id").value_or(0));
  REQUIRE_STATUS(cf, 200);
  BOOST_TEST(string_of(cf.json, "status") == "succeeded", cf.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "paid");
  auto gets = w->pay.recorded_requests(cp_get);
  BOOST_TEST_REQUIRE(gets.Size() == 1u);
  BOOST_TEST(int_of(mock_request_body(gets[0]), "TransactionId") == std::optional<int64_t>{891540},
             mock_request_text(gets[0]));
  BOOST_TEST(w->pay.recorded_requests(cp_charge).Size() == 0u, "confirming must not charge again");

  check_secret_hidden(*w->server, cp_secret);
}

// CloudPayments reports a payment whose buyer has not finished 3-D Secure yet with
// Model.Status "AwaitingAuthentication". Confirming it then must answer 200 pending (API.md §3.5
// confirm row), keeping the payment and its AcsUrl, not a gateway error.
BOOST_AUTO_TEST_CASE(cloudpayments_confirm_while_awaiting_3ds_stays_pending) {
  auto w = cloudpayments_world();
  w->pay.expect(json_expectation(
    "POST", "/payments/tokens/charge", 200,
    cp_answer(false, R"({"TransactionId":891550,"PaReq":"eJxVUdtugkAQ/RXD","AcsUrl":"https://demo.cloudpayments.ru/acs"})")));
  w->pay.expect(json_expectation("POST", "/payments/get", 200,
                                 cp_answer(true, R"({"TransactionId":891550,"Status":"AwaitingAuthentication"})")));
  int64_t order = w->new_order();
  auto p = w->process(order);
  REQUIRE_STATUS(p, 200);
  BOOST_TEST_REQUIRE(string_of(p.json, "status") == "pending", p.body);

  auto cf = w->confirm(int_of(p.json, "id").value_or(0));
  CHECK_STATUS(cf, 200);
  BOOST_TEST(string_of(cf.json, "status") == "pending", cf.body);
  BOOST_TEST(string_of(cf.json, "confirmation_url") == "https://demo.cloudpayments.ru/acs", cf.body);
  BOOST_TEST(string_of(w->order(order).json, "payment_status") == "pending");
  BOOST_TEST(w->pay.recorded_requests(cp_get).Size() == 2u, "one status check at the charge, one at the confirm");
}

BOOST_AUTO_TEST_CASE(missing_credentials_exit_2) {
  struct variant {
    env_overrides env;
    const char* what;
  };
  std::vector<variant> variants = {
    {{{"PAYMENT_PROVIDER", std::string{"yookassa"}}, {"PAYMENT_ACCOUNT_ID", std::nullopt}, {"PAYMENT_SECRET", std::string{"s"}}},
     "yookassa without PAYMENT_ACCOUNT_ID"},
    {{{"PAYMENT_PROVIDER", std::string{"yookassa"}}, {"PAYMENT_ACCOUNT_ID", std::string{"shop"}}, {"PAYMENT_SECRET", std::nullopt}},
     "yookassa without PAYMENT_SECRET"},
    {{{"PAYMENT_PROVIDER", std::string{"stripe"}}, {"PAYMENT_SECRET", std::nullopt}}, "stripe without PAYMENT_SECRET"},
    {{{"PAYMENT_PROVIDER", std::string{"cloudpayments"}}, {"PAYMENT_ACCOUNT_ID", std::nullopt}, {"PAYMENT_SECRET", std::string{"s"}}},
     "cloudpayments without PAYMENT_ACCOUNT_ID"},
    {{{"PAYMENT_PROVIDER", std::string{"cloudpayments"}}, {"PAYMENT_ACCOUNT_ID", std::string{"pk"}}, {"PAYMENT_SECRET", std::nullopt}},
     "cloudpayments without PAYMENT_SECRET"},
  };
  for (const auto& v : variants)
    check_refused_at_start(v.env, "PAYMENT_", v.what);
}

BOOST_AUTO_TEST_SUITE_END()
