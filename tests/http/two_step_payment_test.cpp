// Two-step payments (API.md §3.5 create and confirm rows, §6) against a dedicated server whose
// payment and e-mail gateways are commerce-mock instances (GATEWAY_TIMEOUT_MS=1000,
// RESERVATION_SWEEP_SECONDS=1): create -> pending with the gateway's confirmation_url, the
// refusals, return_url forwarding, confirm (succeeded, repeated, canceled, someone else's),
// process re-checking a pending payment, and the sweep releasing a stale 'processing' charge.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

struct two_step_env : payment_suite_env {
  static constexpr const char* what = "the two-step server";

  two_step_env() : payment_suite_env("twostep", "tsstranger", "TwoStep ", {{"RESERVATION_SWEEP_SECONDS", std::string{"1"}},
                                                                            {"BEAT_SCHEDULE", std::string{"reservations.release@every:1s"}}}) {}
};

/// A POST /api/payments/create/ body; add() the members a case needs.
json_object create_body(int64_t order_id) { return json_object{{"order_id", order_id}, {"payment_method", "card"}}; }

struct two_step_case {
  two_step_env& env;
  client c;

  two_step_case() : env(suite_env<two_step_env>::get()), c(env.server.base_url()) {
    env.reset_mocks();
    env.pay.expect(mock_answer("POST", "/api/v1/payments", 201, doc_create_reply));
  }

  void gateway_answers(const char* status_reply) {
    env.pay.expect(mock_answer("GET", "/api/v1/payments/.+", 200, status_reply));
  }

  int64_t new_order(int quantity = 1) {
    auto r = c.post("/api/orders/", order_body({{env.product, quantity}}), env.owner.access);
    REQUIRE_STATUS(r, 201);
    auto id = int_of(r.json, "id").value_or(0);
    BOOST_TEST_REQUIRE(id > 0);
    return id;
  }

  response order(int64_t id) {
    auto r = c.get("/api/orders/" + std::to_string(id) + "/", env.owner.access);
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    return r;
  }

  /// create -> 201 pending; returns the local payment id.
  int64_t created_payment(int64_t order_id) {
    auto r = c.post("/api/payments/create/", create_body(order_id), env.owner.access);
    REQUIRE_STATUS(r, 201);
    BOOST_TEST(string_of(r.json, "status") == "pending", r.body);
    auto id = int_of(r.json, "id").value_or(0);
    BOOST_TEST_REQUIRE(id > 0, r.body);
    return id;
  }

  response confirm(int64_t payment_id, const std::string& bearer) {
    return c.post("/api/payments/confirm/", confirm_body(payment_id), bearer);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(two_step_payments, two_step_case, *boost::unit_test::fixture<suite_env<two_step_env>>())

BOOST_AUTO_TEST_CASE(create_is_pending_with_confirmation_url) {
  int64_t id = new_order(2);  // 246.90
  auto r = c.post("/api/payments/create/",
                  create_body(id)
                    .add("amount", json_raw("246.90"))
                    .add("currency", "RUB")
                    .add("return_url", "https://shop.example/back?x=1"),
                  env.owner.access);
  REQUIRE_STATUS(r, 201);
  BOOST_TEST(string_of(r.json, "status") == "pending", r.body);
  BOOST_TEST(string_of(r.json, "confirmation_url") == "https://payment-test.com/confirm", r.body);
  BOOST_TEST(string_of(r.json, "provider_payment_id") == "pay_test_123", r.body);
  BOOST_TEST(int_of(r.json, "order_id") == std::optional<int64_t>{id}, r.body);
  BOOST_TEST(same_money(number_of(r.json, "amount"), 246.90), r.body);
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "pending", o.body);
  BOOST_TEST(string_of(o.json, "status") == "pending", o.body);

  auto seen = env.pay.recorded_requests(post_payments);
  BOOST_TEST_REQUIRE(seen.Size() == 1u);
  auto body = mock_request_body(seen[0]);
  BOOST_TEST_REQUIRE(body.IsObject());
  BOOST_TEST(string_of(body, "return_url") == "https://shop.example/back?x=1");
  BOOST_TEST(int_of(body, "order_id") == std::optional<int64_t>{id});
  BOOST_TEST(same_money(number_of(body, "amount"), 246.90));
  BOOST_TEST(string_of(body, "currency") == "RUB");
  BOOST_TEST(mock_request_header(seen[0], "Idempotence-Key").size() == 1u);
  check_seen(env.pay, get_payments, 0, "create does not poll");
}

BOOST_AUTO_TEST_CASE(create_refusals) {
  int64_t id = new_order(1);  // 123.45
  CHECK_ERROR(c.post("/api/payments/create/", create_body(id).add("amount", json_raw("123.44")), env.owner.access), 400,
              "amount_mismatch");
  CHECK_FIELD_ERROR(c.post("/api/payments/create/", create_body(id).add("currency", "USD"), env.owner.access),
                    "currency");
  CHECK_FIELD_ERROR(c.post("/api/payments/create/", create_body(id).add("return_url", "ftp://x"), env.owner.access),
                    "return_url");
  CHECK_ERROR(c.post("/api/payments/create/", create_body(id), env.stranger.access), 404, "not_found");
  CHECK_ERROR(c.post("/api/payments/create/", create_body(999999999), env.owner.access), 404, "not_found");
  check_seen(env.pay, post_payments, 0, "refused creates");
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "unpaid", o.body);
  // amount equal to the total is accepted (as a string too)
  CHECK_STATUS(c.post("/api/payments/create/", create_body(id).add("amount", "123.45"), env.owner.access), 201);
}

BOOST_AUTO_TEST_CASE(confirm_succeeds_once_with_one_email) {
  int64_t id = new_order(1);
  int64_t payment = created_payment(id);
  gateway_answers(doc_succeeded_reply);
  auto r = confirm(payment, env.owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  BOOST_TEST(int_of(r.json, "id") == std::optional<int64_t>{payment}, r.body);
  check_seen(env.pay, get_payments, 1, "confirm polls once");
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(string_of(o.json, "status") == "confirmed", o.body);
  bool mailed = poll_until([&] { return env.mail.verify_times(confirmation_email_of(id), 1, -1).status == 202; }, 5s);
  BOOST_TEST(mailed, "no order_confirmation e-mail");

  auto again = confirm(payment, env.owner.access);
  REQUIRE_STATUS(again, 200);
  BOOST_TEST(string_of(again.json, "status") == "succeeded", again.body);
  std::this_thread::sleep_for(1s);
  auto once = env.mail.verify_times(confirmation_email_of(id), 1, 1);
  BOOST_TEST(once.status == 202, "expected exactly one order_confirmation e-mail: " << once.describe());
  check_seen(env.pay, post_payments, 1, "one create");

  CHECK_ERROR(confirm(payment, env.stranger.access), 404, "not_found");
  CHECK_STATUS(confirm(payment, env.staff.access), 200);
  CHECK_ERROR(confirm(999999999, env.owner.access), 404, "not_found");
}

BOOST_AUTO_TEST_CASE(confirm_canceled_fails_and_order_is_payable_again) {
  int64_t id = new_order(1);
  int64_t payment = created_payment(id);
  gateway_answers(doc_canceled_reply);
  auto r = confirm(payment, env.owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(string_of(r.json, "status") == "failed", r.body);
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "unpaid", o.body);
  BOOST_TEST(string_of(o.json, "status") == "pending", o.body);

  // a new attempt works
  env.pay.reset();
  env.pay.expect(mock_answer("POST", "/api/v1/payments", 201, doc_create_reply));
  gateway_answers(doc_succeeded_reply);
  int64_t second = created_payment(id);
  BOOST_TEST(second != payment);
  auto ok = confirm(second, env.owner.access);
  REQUIRE_STATUS(ok, 200);
  BOOST_TEST(string_of(ok.json, "status") == "succeeded", ok.body);
  // the failed one cannot be confirmed into a second success
  auto stale = confirm(payment, env.owner.access);
  BOOST_TEST((stale.status == 409 || (stale.status == 200 && string_of(stale.json, "status") == "failed")),
             stale.describe());
}

BOOST_AUTO_TEST_CASE(process_rechecks_a_pending_payment) {
  int64_t id = new_order(1);
  created_payment(id);
  gateway_answers(doc_succeeded_reply);
  auto r = c.post("/api/payments/process/",
                  process_body(id, "tok"),
                  env.owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  check_seen(env.pay, post_payments, 1, "no second charge");
  check_seen(env.pay, get_payments, 1, "one status check");
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(db_int("SELECT count(*) FROM payments WHERE order_id = $1::bigint", {std::to_string(id)}) == 1);
}

// A charge whose server stopped mid-call stays 'processing'; past its in_flight_until the sweep
// makes it unknown (never failed: it may have gone through), and the next payment request
// settles it under its own key: one charge at the gateway, the order paid once.
BOOST_AUTO_TEST_CASE(stale_processing_charge_becomes_unknown_and_is_settled_under_its_key) {
  int64_t id = new_order(1);
  auto sid = std::to_string(id);
  db_value("INSERT INTO payments (order_id, status, amount_minor, currency, payment_method, provider, updated_at, "
           "in_flight_until) SELECT id, 'processing', total_minor, 'RUB', 'card', 'generic', "
           "now() - interval '10 minutes', now() - interval '5 minutes' FROM orders WHERE id = $1::bigint RETURNING id",
           {sid});
  db_value("UPDATE orders SET payment_status = 'pending', version = version + 1 WHERE id = $1::bigint RETURNING id",
           {sid});
  auto key = db_value("SELECT idempotence_key::text FROM payments WHERE order_id = $1::bigint", {sid}).value_or("");
  bool marked = poll_until(
    [&] {
      return db_value("SELECT status FROM payments WHERE order_id = $1::bigint ORDER BY id LIMIT 1", {sid}) ==
             std::optional<std::string>{"unknown"};
    },
    4s);
  BOOST_TEST_REQUIRE(marked, "the stale charge was not marked unknown within 4 s: payments="
                                 << db_value("SELECT string_agg(status, ',') FROM payments WHERE order_id = $1::bigint", {sid})
                                      .value_or(""));
  auto o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "pending", o.body);
  gateway_answers(doc_succeeded_reply);
  auto r = c.post("/api/payments/process/",
                  process_body(id, "tok"),
                  env.owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  auto posts = env.pay.recorded_requests(post_payments);
  BOOST_TEST_REQUIRE(posts.Size() == 1u, "one charge, sent again under the stale attempt's key");
  BOOST_TEST(mock_first_header(posts[0], "Idempotence-Key") == key);
  o = order(id);
  BOOST_TEST(string_of(o.json, "payment_status") == "paid", o.body);
  BOOST_TEST(db_int("SELECT count(*) FROM payments WHERE order_id = $1::bigint", {sid}) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
