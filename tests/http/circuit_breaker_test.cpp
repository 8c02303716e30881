// The gateway circuit breaker end to end (GATEWAY_BREAKER_FAILURES, GATEWAY_BREAKER_OPEN_MS;
// integrations/gateway_client.hpp): a server whose payment gateway fails twice opens the breaker;
// while it is open a payment gets 502 payment_gateway_error (API.md §1) without the gateway
// seeing a request, even once the gateway is healthy again, and the order stays payable; after
// the pause one trial call goes through: success closes the breaker, failure opens it again.
//
// "Without a request" can only be asserted while the pause surely lasts: the breaker opened
// after we sent the request that tripped it, so it stays open until at least that moment plus
// the pause. Each such check first makes sure that much time has not passed yet.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

using namespace http_test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int breaker_failures = 2;
constexpr auto breaker_open = 2000ms;

const std::string post_payments = R"({"method":"POST","path":"/api/v1/payments"})";

std::string failing_create(const std::string& how) {
  if (how == "dropConnection")
    return R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},"httpError":{"dropConnection":true}})";
  return json_expectation("POST", "/api/v1/payments", 500, R"({"error":"internal"})");
}

const std::string succeeding_create =
  json_expectation("POST", "/api/v1/payments", 201, R"({"id":"pay_cb_1","status":"succeeded"})");

/// A server with a breaker of breaker_failures / breaker_open in front of `pay`, mailing to `mail`.
struct breaker_world : gateway_world {
  gateway_mock& pay = gateway;

  breaker_world()
    : gateway_world("PAYMENT", "", "",
                    {{"GATEWAY_BREAKER_FAILURES", std::to_string(breaker_failures)},
                     {"GATEWAY_BREAKER_OPEN_MS", std::to_string(breaker_open.count())}},
                    "breaker", "10.00") {}

  response pay_for(int64_t order_id) {
    return c->post("/api/payments/process/", process_body(order_id, "tok_cb"), owner.access);
  }

  size_t creates_seen() { return pay.recorded_requests(post_payments).Size(); }

  /// The payment breaker for the mock's origin as the admin console shows it: "open/failures",
  /// or why it is missing.
  std::string console_breaker() {
    auto staff = staff_account(*c);
    auto r = c->get("/api/admin/actors/", staff.access);
    if (r.status != 200 || !r.json.HasMember("gateways") || !r.json["gateways"].IsArray())
      return "no gateways in " + r.describe();
    for (const auto& g : r.json["gateways"].GetArray()) {
      if (string_of(g, "kind") != "payment")
        continue;
      if (string_of(g, "provider") != "generic")
        return "payment provider " + string_of(g, "provider");
      for (const auto& b : g["breakers"].GetArray())
        if (string_of(b, "origin") == pay.base_url())
          return std::string{b["open"].GetBool() ? "open" : "closed"} + "/" +
                 std::to_string(b["consecutive_failures"].GetInt());
      return "no breaker for " + pay.base_url() + " in " + r.body;
    }
    return "no payment gateway in " + r.body;
  }

  /// The order as the owner sees it: "status/payment_status".
  std::string order_state(int64_t order_id) {
    auto r = c->get("/api/orders/" + std::to_string(order_id) + "/", owner.access);
    return string_of(r.json, "status") + "/" + string_of(r.json, "payment_status");
  }

  /// `calls` payment attempts the gateway fails, each a 502 and one request at the gateway: the
  /// breaker's count of consecutive failures. Returns when the last attempt was sent.
  steady::time_point fail_calls(int64_t order_id, size_t calls) {
    steady::time_point sent{};
    for (size_t i = 1; i <= calls; ++i) {
      sent = steady::now();
      CHECK_ERROR(pay_for(order_id), 502, "payment_gateway_error");
      BOOST_TEST_REQUIRE(creates_seen() == i, "attempt " << i << " did not reach the gateway");
    }
    return sent;
  }
};

/// A payment attempt refused by the open breaker: 502 payment_gateway_error with a JSON error
/// body, and no request at the gateway (its count stays `calls`).
void check_refused(breaker_world& w, int64_t order_id, steady::time_point tripped_at, size_t calls,
                   const std::string& context) {
  BOOST_TEST_CONTEXT(context) {
    auto r = w.pay_for(order_id);
    bool in_pause = steady::now() - tripped_at < breaker_open;
    if (!in_pause) {
      BOOST_TEST_MESSAGE("the pause had passed before the answer (a very slow run): nothing to assert");
      return;
    }
    CHECK_ERROR(r, 502, "payment_gateway_error");
    BOOST_TEST((r.is_json && r.json.IsObject() && r.json.HasMember("error")), r.describe());
    BOOST_TEST(w.creates_seen() == calls, "the open breaker let a request through to the gateway");
    BOOST_TEST(w.order_state(order_id) == "pending/pending");  // the failed call's outcome is unknown
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(circuit_breaker)

BOOST_AUTO_TEST_CASE(open_breaker_refuses_without_a_call_then_a_trial_succeeds) {
  breaker_world w;
  w.pay.expect(failing_create("500"));
  const auto mark = std::to_string(db_int("SELECT COALESCE(max(id), 0) FROM gateway_calls"));
  int64_t order = w.new_order();

  auto tripped_at = w.fail_calls(order, breaker_failures);
  BOOST_TEST(w.order_state(order) == "pending/pending");
  BOOST_TEST(w.console_breaker() == "open/" + std::to_string(breaker_failures), "the admin console shows it open");
  check_refused(w, order, tripped_at, breaker_failures, "open, the gateway still failing");

  // The gateway recovers; the breaker does not know yet and keeps refusing until the pause ends.
  w.pay.reset();
  w.pay.expect(succeeding_create);
  check_refused(w, order, tripped_at, 0, "open, the gateway healthy again");
  BOOST_TEST(db_int("SELECT count(*) FROM gateway_calls WHERE id > $1::bigint AND operation = 'create_payment' AND "
                    "failure = 'breaker_open'",
                    {mark}) >= 1,
             "refused calls are recorded as breaker_open in gateway_calls");

  // After the pause one trial call reaches the gateway, succeeds and closes the breaker.
  response paid;
  int refused = 0;
  bool succeeded = poll_until(
    [&] {
      paid = w.pay_for(order);
      if (paid.status == 200)
        return true;
      ++refused;
      HTTP_TEST_EXPECT(BOOST_TEST, paid, x_.status == 502 && x_.error_code() == "payment_gateway_error",
                       "502 payment_gateway_error while the breaker is open");
      BOOST_TEST(w.creates_seen() == 0u, "a request reached the gateway, yet the payment was refused");
      return false;
    },
    10s, 200ms);
  auto paid_at = steady::now();
  BOOST_TEST_REQUIRE(succeeded, "no successful payment within 10 s after the pause: " << paid.describe()
                                                                                        << "\nserver log:\n"
                                                                                        << w.server->log_tail(20));
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);
  bool paused_long_enough = paid_at - tripped_at >= breaker_open;
  BOOST_TEST(paused_long_enough, "the breaker closed before its pause had passed");
  BOOST_TEST(w.creates_seen() == 1u, "exactly one trial call reaches the gateway");
  BOOST_TEST(w.order_state(order) == "confirmed/paid");
  BOOST_TEST(w.console_breaker() == "closed/0", "the admin console shows it closed again");
  BOOST_TEST_MESSAGE(refused << " attempts refused while waiting for the pause to end");

  // Closed again: the next order is charged at once.
  int64_t next = w.new_order();
  auto r = w.pay_for(next);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(string_of(r.json, "status") == "succeeded", r.body);
  BOOST_TEST(w.creates_seen() == 2u);
}

BOOST_AUTO_TEST_CASE(failed_trial_opens_the_breaker_again) {
  breaker_world w;
  w.pay.expect(failing_create("dropConnection"));
  int64_t order = w.new_order();

  auto tripped_at = w.fail_calls(order, breaker_failures);
  check_refused(w, order, tripped_at, breaker_failures, "open after dropped connections");

  // After the pause the trial call reaches the gateway, fails, and the breaker opens again at
  // once: one failure is enough now, not breaker_failures.
  steady::time_point trial_at{};
  bool tried = poll_until(
    [&] {
      trial_at = steady::now();
      auto r = w.pay_for(order);
      CHECK_ERROR(r, 502, "payment_gateway_error");
      return w.creates_seen() > breaker_failures;
    },
    10s, 200ms);
  BOOST_TEST_REQUIRE(tried, "no trial call reached the gateway within 10 s");
  BOOST_TEST(w.creates_seen() == breaker_failures + 1u, "one trial call, not more");
  BOOST_TEST(w.order_state(order) == "pending/pending");
  check_refused(w, order, trial_at, breaker_failures + 1u, "open again after the failed trial");

  // The gateway recovers: after the next pause the order is paid.
  w.pay.reset();
  w.pay.expect(succeeding_create);
  response paid;
  bool succeeded = poll_until(
    [&] {
      paid = w.pay_for(order);
      return paid.status == 200;
    },
    10s, 200ms);
  BOOST_TEST_REQUIRE(succeeded, paid.describe());
  BOOST_TEST(string_of(paid.json, "status") == "succeeded", paid.body);
  BOOST_TEST(w.creates_seen() == 1u);
  BOOST_TEST(w.order_state(order) == "confirmed/paid");
}

BOOST_AUTO_TEST_SUITE_END()
