// Refunds (API.md §3.5 refund row, §4, §6) against a dedicated server whose payment and e-mail
// gateways are two commerce-mock instances (GATEWAY_TIMEOUT_MS=1000): partial and full refunds,
// the refusals, a failing gateway, the outbound body, Idempotency-Key replays, concurrent partial
// refunds never exceeding the paid amount, and the order_refunded e-mail. Mocks reset per case.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const rf_refund_reply = R"({"id": "refund_mock_1732500000.654321", "status": "pending", "amount": 1000})";

struct refunds_env : payment_suite_env {
  static constexpr const char* what = "the refunds server";

  refunds_env() : payment_suite_env("refunder", "rfstranger", "Refundable ") {}
};

struct refund_case {
  refunds_env& env;
  client c;

  refund_case() : env(suite_env<refunds_env>::get()), c(env.server.base_url()) {
    env.reset_mocks();
    env.pay.expect(mock_answer("POST", "/api/v1/payments", 201, doc_create_reply));
    env.pay.expect(mock_answer("GET", "/api/v1/payments/.+", 200, doc_succeeded_reply));
    env.pay.expect(mock_answer("POST", "/api/v1/refunds", 201, rf_refund_reply));
  }

  /// A paid order of `quantity` units (246.90 for 2); returns its id.
  int64_t paid_order(int quantity = 2) {
    auto r = c.post("/api/orders/", order_body({{env.product, quantity}}), env.owner.access);
    REQUIRE_STATUS(r, 201);
    auto id = int_of(r.json, "id").value_or(0);
    auto p = c.post("/api/payments/process/", process_body(id, "tok_visa"), env.owner.access);
    REQUIRE_STATUS(p, 200);
    BOOST_TEST_REQUIRE(string_of(p.json, "status") == "succeeded", p.body);
    return id;
  }

  int64_t payment_of(int64_t order_id) {
    return db_int("SELECT id FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'",
                  {std::to_string(order_id)});
  }

  response order(int64_t id) {
    auto r = c.get("/api/orders/" + std::to_string(id) + "/", env.owner.access);
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    return r;
  }

  int gateway_refund_posts() {
    auto seen = env.pay.recorded_requests(post_refunds);
    return static_cast<int>(seen.Size());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(refunds, refund_case, *boost::unit_test::fixture<suite_env<refunds_env>>())

BOOST_AUTO_TEST_CASE(partial_then_rest_then_nothing_left) {
  int64_t id = paid_order(2);  // 246.90
  int64_t payment = payment_of(id);
  auto r = c.post("/api/payments/refund/", refund_body(id, "100.00", "damaged box"), env.owner.access);
  REQUIRE_STATUS(r, 201);
  BOOST_TEST(int_of(r.json, "id").value_or(0) > 0, r.body);
  BOOST_TEST(int_of(r.json, "order_id") == std::optional<int64_t>{id}, r.body);
  BOOST_TEST(int_of(r.json, "payment_id") == std::optional<int64_t>{payment}, r.body);
  BOOST_TEST(same_money(number_of(r.json, "amount"), 100.0), r.body);
  BOOST_TEST(string_of(r.json, "currency") == "RUB", r.body);
  BOOST_TEST(string_of(r.json, "status") == "pending", r.body);
  BOOST_TEST(string_of(r.json, "reason") == "damaged box", r.body);
  BOOST_TEST(string_of(r.json, "created_at") != "<missing>", r.body);

  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "partially_refunded", o.body);
  BOOST_TEST(string_of(o.json, "status") == "confirmed", o.body);
  BOOST_TEST(same_money(number_of(o.json, "refunded_amount"), 100.0), o.body);

  // The outbound call.
  auto seen = env.pay.recorded_requests(post_refunds);
  BOOST_TEST_REQUIRE(seen.Size() == 1u);
  auto body = mock_request_body(seen[0]);
  BOOST_TEST_REQUIRE(body.IsObject());
  BOOST_TEST(string_of(body, "payment_id") == "pay_test_123");
  BOOST_TEST(same_money(number_of(body, "amount"), 100.0));
  BOOST_TEST(string_of(body, "currency") == "RUB");
  BOOST_TEST(string_of(body, "reason") == "damaged box");
  auto key = mock_request_header(seen[0], "Idempotence-Key");
  BOOST_TEST_REQUIRE(key.size() == 1u);
  BOOST_TEST(is_uuid(key[0]), key[0]);

  // The rest.
  auto rest = c.post("/api/payments/refund/", refund_body(id), env.owner.access);
  REQUIRE_STATUS(rest, 201);
  BOOST_TEST(same_money(number_of(rest.json, "amount"), 146.90), rest.body);
  o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "refunded", o.body);
  BOOST_TEST(string_of(o.json, "status") == "refunded", o.body);
  BOOST_TEST(same_money(number_of(o.json, "refunded_amount"), 246.90), o.body);

  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(id), env.owner.access), 409, "invalid_order_state");
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(id, "1.00"), env.owner.access), 409, "invalid_order_state");
  BOOST_TEST(gateway_refund_posts() == 2);
  BOOST_TEST(db_int("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {std::to_string(id)}) == 24690);
}

BOOST_AUTO_TEST_CASE(refusals) {
  int64_t id = paid_order(1);  // 123.45
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(id, "123.46"), env.owner.access), 400, "refund_exceeds_paid");
  CHECK_FIELD_ERROR(c.post("/api/payments/refund/", refund_body(id, "0"), env.owner.access), "amount");
  CHECK_FIELD_ERROR(c.post("/api/payments/refund/", refund_body(id, "-5"), env.owner.access), "amount");
  CHECK_FIELD_ERROR(c.post("/api/payments/refund/", refund_body(id, "1.005"), env.owner.access), "amount");
  CHECK_FIELD_ERROR(c.post("/api/payments/refund/", refund_body(id, "1", std::string(256, 'r')), env.owner.access),
                    "reason");
  CHECK_FIELD_ERROR(c.post("/api/payments/refund/", R"({"amount":1})", env.owner.access), "order_id");
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(id, "1"), env.stranger.access), 404, "not_found");
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(999999999, "1"), env.owner.access), 404, "not_found");
  CHECK_STATUS(c.post("/api/payments/refund/", refund_body(id, "1")), 401);
  BOOST_TEST(gateway_refund_posts() == 0);

  // partly refunded: the rest is the new limit
  REQUIRE_STATUS(c.post("/api/payments/refund/", refund_body(id, "100"), env.owner.access), 201);
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(id, "23.46"), env.owner.access), 400, "refund_exceeds_paid");
  CHECK_STATUS(c.post("/api/payments/refund/", refund_body(id, "23.45"), env.staff.access), 201);

  // unpaid
  auto r = c.post("/api/orders/", order_body({{env.product, 1}}), env.owner.access);
  REQUIRE_STATUS(r, 201);
  auto unpaid = int_of(r.json, "id").value_or(0);
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(unpaid, "1"), env.owner.access), 409, "invalid_order_state");
  CHECK_ERROR(c.post("/api/payments/refund/", refund_body(unpaid), env.owner.access), 409, "invalid_order_state");
  BOOST_TEST(gateway_refund_posts() == 2);
}

// A 5xx may have refunded: the refund is unknown, its amount stays reserved, and the retry
// settles it under its key instead of refunding a second time.
BOOST_AUTO_TEST_CASE(gateway_failure_is_settled_by_the_retry_not_refunded_twice) {
  int64_t id = paid_order(1);
  env.pay.reset();
  env.pay.expect(mock_answer("POST", "/api/v1/refunds", 500, R"({"error":"down"})"));
  CHECK_STATUS(c.post("/api/payments/refund/", refund_body(id, "10"), env.owner.access), 502);
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(db_int("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {std::to_string(id)}) == 1000,
             "the unknown refund keeps its amount reserved");

  // retry once the gateway is back: the same refund, under the same key
  env.pay.reset();
  env.pay.expect(mock_answer("POST", "/api/v1/refunds", 201, rf_refund_reply));
  auto retry = c.post("/api/payments/refund/", refund_body(id, "10"), env.owner.access);
  CHECK_STATUS(retry, 201);
  BOOST_TEST(same_money(number_of(retry.json, "amount"), 10.0), retry.body);
  BOOST_TEST(gateway_refund_posts() == 1);
  o = order(id);
  BOOST_TEST(same_money(number_of(o.json, "refunded_amount"), 10.0), o.body);
  BOOST_TEST(db_int("SELECT count(*) FROM refunds WHERE order_id = $1::bigint", {std::to_string(id)}) == 1);
}

BOOST_AUTO_TEST_CASE(idempotency_key_replay_and_reuse) {
  int64_t id = paid_order(1);
  std::string key = "rf-" + unique_tag("k");
  auto first = post_with_key(c, "/api/payments/refund/", refund_body(id, "10", "r"), env.owner.access, key);
  REQUIRE_STATUS(first, 201);
  auto again = post_with_key(c, "/api/payments/refund/", json_object{{"reason", "r"}, {"amount", 10}, {"order_id", id}},
                             env.owner.access, key);
  REQUIRE_STATUS(again, 201);
  BOOST_TEST(int_of(again.json, "id") == int_of(first.json, "id"));
  BOOST_TEST(again.header("Idempotent-Replayed") == "true");
  BOOST_TEST(gateway_refund_posts() == 1);
  CHECK_ERROR(post_with_key(c, "/api/payments/refund/", refund_body(id, "11", "r"), env.owner.access, key), 422,
              "idempotency_key_reused");
  auto o = order(id);
  BOOST_TEST(same_money(number_of(o.json, "refunded_amount"), 10.0), o.body);
}

BOOST_AUTO_TEST_CASE(concurrent_partial_refunds_never_exceed_paid) {
  int64_t id = paid_order(2);  // 246.90; 5 x 60 = 300
  const int n = 5;
  std::vector<response> results(n);
  start_gate gate{n};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      client tc{env.server.base_url()};
      tc.get("/health/");
      gate.arrive_and_wait();
      results[i] = tc.post("/api/payments/refund/", refund_body(id, "60.00"), env.owner.access);
    });
  gate.wait_for_all();
  gate.open();
  for (auto& t : threads)
    t.join();
  int created = 0;
  for (auto& r : results) {
    if (r.status == 201)
      ++created;
    else
      BOOST_TEST((r.status == 400 || r.status == 409), r.request << " -> " << r.describe());
  }
  BOOST_TEST(created <= 4);
  BOOST_TEST(created >= 1);
  auto sid = std::to_string(id);
  auto refunded = db_int("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {sid});
  auto total = db_int("SELECT total_minor FROM orders WHERE id = $1::bigint", {sid});
  auto sum = db_int("SELECT COALESCE(sum(amount_minor),0) FROM refunds WHERE order_id = $1::bigint "
                    "AND status NOT IN ('processing','failed')",
                    {sid});
  BOOST_TEST(refunded <= total);
  BOOST_TEST(refunded == sum);
  BOOST_TEST(refunded == 6000 * created);
  BOOST_TEST(gateway_refund_posts() == created);
}

BOOST_AUTO_TEST_CASE(order_refunded_email_sent) {
  int64_t id = paid_order(1);
  REQUIRE_STATUS(c.post("/api/payments/refund/", refund_body(id), env.owner.access), 201);
  std::string matcher = json_object{{"method", "POST"},
                                    {"path", "/api/v1/emails/send"},
                                    {"body", json_object{{"template", "order_refunded"}, {"order_id", id}}}};
  bool seen = poll_until([&] { return env.mail.verify_times(matcher, 1, -1).status == 202; }, 5s);
  BOOST_TEST(seen, "no order_refunded e-mail within 5 s");
  bool listed = poll_until(
    [&] {
      auto r = c.get("/api/notifications/order/" + std::to_string(id) + "/", env.owner.access);
      if (r.status != 200 || !r.json.IsArray())
        return false;
      for (const auto& n : r.json.GetArray())
        if (string_of(n, "notification_type") == "order_refunded")
          return true;
      return false;
    },
    5s);
  BOOST_TEST(listed, "no order_refunded notification recorded");
}

BOOST_AUTO_TEST_SUITE_END()
