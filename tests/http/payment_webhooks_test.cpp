// Provider webhooks at POST /api/payments/webhook/ (GATEWAYS.md §2.1): Stripe's
// Stripe-Signature (HMAC over "t.body", 300 s tolerance), CloudPayments' Content-HMAC (base64
// HMAC of the raw body, answered {"code":0}) and YooKassa's unsigned notifications, which are
// only trusted to name one of our pending payments. In every case the status is re-read from
// the provider: a notification's own status is never taken, and a refused one calls nobody.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <ctime>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

struct webhook_world : gateway_world {
  gateway_mock& pay = gateway;

  webhook_world(const std::string& provider, const std::string& api_suffix, const env_overrides& creds)
    : gateway_world("PAYMENT", provider, api_suffix, creds, "hooked") {}

  /// A new order with a payment pending at the provider (created, awaiting the buyer), paid
  /// with `token` when one is given.
  int64_t pending_order(const std::string& token = "") {
    auto id = new_order();
    json_object body{{"order_id", id}, {"return_url", "https://shop.example/back"}};
    if (!token.empty())
      body.add("payment_token", token);
    auto p = c->post("/api/payments/create/", body, owner.access);
    BOOST_TEST_REQUIRE(p.status == 201, p.describe());
    BOOST_TEST_REQUIRE(string_of(p.json, "status") == "pending", p.body);
    return id;
  }
  std::string payment_status(int64_t order) {
    return string_of(c->get("/api/orders/" + std::to_string(order) + "/", owner.access).json, "payment_status");
  }
  response hook(const std::string& body, const std::vector<std::string>& headers,
                const std::string& content_type = "application/json") {
    request_options o;
    o.content_type = content_type;
    o.headers = headers;
    return c->request("POST", "/api/payments/webhook/", body, o);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(payment_webhooks)

BOOST_AUTO_TEST_CASE(stripe_signature_checked_then_status_reread) {
  const std::string whsec = "whsec_test_5ig";
  webhook_world w{"stripe", "/v1", {{"PAYMENT_SECRET", std::string{"sk_test_hooks"}}, {"PAYMENT_WEBHOOK_SECRET", whsec}}};
  w.pay.expect(json_expectation(
    "POST", "/v1/payment_intents", 200,
    R"({"id":"pi_hook1","status":"requires_action","next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds/1"}}})"));
  int64_t order = w.pending_order();
  std::string body = json_object{
    {"id", "evt_1"},
    {"type", "payment_intent.succeeded"},
    {"data", json_object{{"object", json_object{{"id", "pi_hook1"},
                                                {"status", "succeeded"},
                                                {"metadata", json_object{{"order_id", std::to_string(order)}}}}}}}};
  auto now = std::to_string(std::time(nullptr));
  auto signature = [&](const std::string& t, const std::string& key) {
    return "Stripe-Signature: t=" + t + ",v1=" + hex_encode(hmac_sha256(key, t + "." + body));
  };
  const std::string gets = R"({"method":"GET","path":"/v1/payment_intents/pi_hook1"})";

  // refused: no header, a wrong key, a stale timestamp, a body changed after signing
  CHECK_ERROR(w.hook(body, {}), 400, "invalid_signature");
  CHECK_ERROR(w.hook(body, {signature(now, "whsec_wrong")}), 400, "invalid_signature");
  CHECK_ERROR(w.hook(body, {signature(std::to_string(std::time(nullptr) - 600), whsec)}), 400, "invalid_signature");
  CHECK_ERROR(w.hook(body + " ", {signature(now, whsec)}), 400, "invalid_signature");
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 0u, "a refused webhook made the server call Stripe");
  BOOST_TEST(w.payment_status(order) == "pending");

  // signed: Stripe is asked, and its answer (still requires_action) wins over the body's "succeeded"
  w.pay.expect(json_expectation("GET", "/v1/payment_intents/pi_hook1", 200, R"({"id":"pi_hook1","status":"requires_action"})"));
  auto still = w.hook(body, {signature(now, whsec)});
  REQUIRE_STATUS(still, 200);
  BOOST_TEST((still.json.HasMember("received") && still.json["received"].GetBool()), still.body);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 1u);
  BOOST_TEST(w.payment_status(order) == "pending");

  w.pay.reset();
  w.pay.expect(json_expectation("GET", "/v1/payment_intents/pi_hook1", 200, R"({"id":"pi_hook1","status":"succeeded"})"));
  CHECK_STATUS(w.hook(body, {signature(std::to_string(std::time(nullptr)), whsec)}), 200);
  BOOST_TEST(w.payment_status(order) == "paid");
  // a repeat of the same event settles nothing twice and asks nobody: nothing is pending
  CHECK_STATUS(w.hook(body, {signature(std::to_string(std::time(nullptr)), whsec)}), 200);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 1u);

  // A signed event whose data.object is not an object (a hand-made input to payment_response_fuzz: reading
  // its metadata was undefined behaviour) is answered, and the server lives on.
  body = R"({"id":"evt_2","type":"payment_intent.succeeded","data":{"object":7}})";
  auto odd = w.hook(body, {signature(std::to_string(std::time(nullptr)), whsec)});
  BOOST_TEST((odd.status >= 200 && odd.status < 500), odd.describe());
  CHECK_STATUS(w.c->get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(cloudpayments_content_hmac_and_code_0) {
  const std::string secret = "cp_api_secret_77";
  webhook_world w{"cloudpayments", "", {{"PAYMENT_ACCOUNT_ID", std::string{"pk_cp_public"}}, {"PAYMENT_SECRET", secret}}};
  w.pay.expect(json_expectation(
    "POST", "/payments/cards/charge", 200,
    R"({"Success":false,"Message":null,"Model":{"TransactionId":504,"PaReq":"eJxVUdtu","AcsUrl":"https://demo.cloudpayments.ru/acs"}})"));
  int64_t order = w.pending_order("eyJUeXBlIjoiQ2xvdWRDYXJkIn0");
  auto body = "TransactionId=504&Amount=12.34&Currency=RUB&InvoiceId=" + std::to_string(order) +
              "&AccountId=1&Status=Completed&OperationType=Payment";
  auto hmac = [&](const std::string& text, const std::string& key) { return "Content-HMAC: " + b64_encode(hmac_sha256(key, text)); };
  const std::string form = "application/x-www-form-urlencoded";
  const std::string gets = R"({"method":"POST","path":"/payments/get"})";

  CHECK_ERROR(w.hook(body, {}, form), 400, "invalid_signature");
  CHECK_ERROR(w.hook(body, {hmac(body, "not_the_secret")}, form), 400, "invalid_signature");
  CHECK_ERROR(w.hook(body + "&Amount=0.01", {hmac(body, secret)}, form), 400, "invalid_signature");
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 0u, "a refused webhook made the server call CloudPayments");

  w.pay.expect(json_expectation("POST", "/payments/get", 200,
                                R"({"Success":true,"Message":null,"Model":{"TransactionId":504,"Status":"Completed"}})"));
  auto r = w.hook(body, {hmac(body, secret)}, form);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(int_of(r.json, "code") == std::optional<int64_t>{0}, r.body);
  BOOST_TEST(w.payment_status(order) == "paid");
  auto asked = w.pay.recorded_requests(gets);
  BOOST_TEST_REQUIRE(asked.Size() == 1u);
  BOOST_TEST(int_of(mock_request_body(asked[0]), "TransactionId") == std::optional<int64_t>{504});

  // the JSON form of a notification, signed the same way, for an order that is not ours: acknowledged, nothing asked
  auto json_body = R"({"TransactionId":9,"InvoiceId":"999999999","Status":"Completed","OperationType":"Payment"})";
  auto other = w.hook(json_body, {hmac(json_body, secret)});
  REQUIRE_STATUS(other, 200);
  BOOST_TEST(int_of(other.json, "code") == std::optional<int64_t>{0}, other.body);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 1u);
}

BOOST_AUTO_TEST_CASE(yookassa_notification_names_a_pending_payment_only) {
  webhook_world w{"yookassa", "/v3", {{"PAYMENT_ACCOUNT_ID", std::string{"shop77"}}, {"PAYMENT_SECRET", std::string{"yk_hook_secret"}}}};
  w.pay.expect(json_expectation(
    "POST", "/v3/payments", 200,
    R"({"id":"2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b","status":"pending","paid":false,"confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/checkout/x"}})"));
  int64_t order = w.pending_order();
  auto note = [](const std::string& event, const std::string& id) -> std::string {
    return json_object{{"type", "notification"},
                       {"event", event},
                       {"object", json_object{{"id", id},
                                              {"status", "succeeded"},
                                              {"paid", true},
                                              {"amount", json_object{{"value", "12.34"}, {"currency", "RUB"}}}}}};
  };
  const std::string gets = R"({"method":"GET","path":"/v3/payments/.*"})";

  // not a notification, or naming no payment of ours: nobody is asked
  CHECK_ERROR(w.hook(R"({"event":"payment.succeeded"})", {}), 400, "invalid_signature");
  CHECK_ERROR(w.hook("not json", {}), 400, "invalid_signature");
  CHECK_STATUS(w.hook(note("payment.succeeded", "ffffffff-000f-5000-9000-000000000000"), {}), 200);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 0u);
  BOOST_TEST(w.payment_status(order) == "pending");

  // ours: YooKassa is asked, and its answer wins over the notification's
  w.pay.expect(json_expectation("GET", "/v3/payments/2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b", 200,
                                R"({"id":"2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b","status":"pending"})"));
  CHECK_STATUS(w.hook(note("payment.succeeded", "2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b"), {}), 200);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 1u);
  BOOST_TEST(w.payment_status(order) == "pending");

  // YooKassa down during the re-read: not acknowledged, so YooKassa repeats it later
  w.pay.reset();
  w.pay.expect(json_expectation("GET", "/v3/payments/2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b", 500, R"({"type":"error"})"));
  auto down = w.hook(note("payment.succeeded", "2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b"), {});
  BOOST_TEST(down.status >= 500, down.describe());
  BOOST_TEST(w.payment_status(order) == "pending");

  w.pay.reset();
  w.pay.expect(json_expectation("GET", "/v3/payments/2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b", 200,
                                R"({"id":"2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b","status":"succeeded","paid":true})"));
  CHECK_STATUS(w.hook(note("payment.succeeded", "2e1f7a4b-000f-5000-9000-1c2d3e4f5a6b"), {}), 200);
  BOOST_TEST(w.payment_status(order) == "paid");
}

BOOST_AUTO_TEST_CASE(allowed_sources_and_trusted_proxies) {
  // YooKassa's notifications come only from its published ranges; here 10.0.0.0/8 plays them,
  // and this test's requests come from 127.0.0.1, a proxy the server trusts.
  webhook_world w{"yookassa",
                  "/v3",
                  {{"PAYMENT_ACCOUNT_ID", std::string{"shop78"}},
                   {"PAYMENT_SECRET", std::string{"yk_src_secret"}},
                   {"PAYMENT_WEBHOOK_ALLOWED_IPS", std::string{"10.0.0.0/8, 2a02:5180::/32"}},
                   {"TRUSTED_PROXIES", std::string{"127.0.0.1"}}}};
  w.pay.expect(json_expectation("POST", "/v3/payments", 200,
                                R"({"id":"src-1","status":"pending","confirmation":{"type":"redirect","confirmation_url":"https://yoomoney.ru/c/s"}})"));
  w.pay.expect(json_expectation("GET", "/v3/payments/src-1", 200, R"({"id":"src-1","status":"succeeded","paid":true})"));
  int64_t order = w.pending_order();
  auto note = std::string{R"({"type":"notification","event":"payment.succeeded","object":{"id":"src-1","status":"succeeded"}})"};
  const std::string gets = R"({"method":"GET","path":"/v3/payments/src-1"})";

  // From the proxy itself, or through it for an address outside the ranges: refused, nobody asked.
  CHECK_ERROR(w.hook(note, {}), 403, "permission_denied");
  CHECK_ERROR(w.hook(note, {"X-Forwarded-For: 10.9.8.7, 198.51.100.4"}), 403, "permission_denied");
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 0u);
  BOOST_TEST(w.payment_status(order) == "pending");

  // The nearest address the proxy saw is inside: accepted, and the status re-read.
  CHECK_STATUS(w.hook(note, {"X-Forwarded-For: 198.51.100.4, 10.9.8.7"}), 200);
  BOOST_TEST(w.pay.recorded_requests(gets).Size() == 1u);
  BOOST_TEST(w.payment_status(order) == "paid");

  // Other routes are not limited to those addresses.
  CHECK_STATUS(w.c->get("/api/orders/" + std::to_string(order) + "/", w.owner.access), 200);

  check_refused_at_start({{"PAYMENT_WEBHOOK_ALLOWED_IPS", std::string{"10.0.0.0/33"}}}, "PAYMENT_WEBHOOK_ALLOWED_IPS",
                         "a range that does not parse");
}

BOOST_AUTO_TEST_SUITE_END()
