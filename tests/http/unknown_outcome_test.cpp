// Unknown gateway outcomes (API.md §5, §6): a charge or refund whose answer never came (timeout,
// a connection dropped after sending, a 5xx) is recorded as unknown with the idempotency key it
// was sent under, before the call (so a SIGKILL mid-call leaves it too), and settled under that
// same key before anything new is sent for the order. The mock sees one key, the order is paid
// (or refunded) once. Also: a cancel racing a charge on two nodes never leaves a cancelled order
// paid. Each case has its own server (GATEWAY_TIMEOUT_MS=1000) in front of one commerce-mock.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const refund_reply = R"({"id": "refund_mock_1", "status": "pending", "amount": 1000})";

/// `method path` answered with `status` and `body` after `delay_ms`; `times` > 0 limits how
/// often (earlier expectations match first, so a limited slow one is followed by a fast one).
std::string answer(const std::string& method, const std::string& path, int status, const std::string& body,
                   int delay_ms = 0, int times = 0) {
  answer_options options;
  options.json_content_type = true;
  options.delay_ms = delay_ms;
  options.times = times;
  return mock_answer(method, path, status, body, options);
}

/// The document's fast charge: create 201 pending, then the status check 200 succeeded.
void fast_charge(gateway_mock& mock) {
  mock.expect(answer("POST", "/api/v1/payments", 201, doc_create_reply));
  mock.expect(answer("GET", "/api/v1/payments/.+", 200, doc_succeeded_reply));
}

/// The Idempotence-Key of every request matching `matcher`, in arrival order.
std::vector<std::string> keys_sent(gateway_mock& mock, const std::string& matcher) {
  std::vector<std::string> out;
  auto seen = mock.recorded_requests(matcher);
  for (const auto& r : seen.GetArray())
    out.push_back(mock_first_header(r, "Idempotence-Key"));
  return out;
}

std::string id_text(int64_t id) { return std::to_string(id); }

std::string payment_key(int64_t order_id) {
  return db_value("SELECT idempotence_key::text FROM payments WHERE order_id = $1::bigint ORDER BY id LIMIT 1",
                  {id_text(order_id)})
    .value_or("<no payment>");
}

struct unknown_world : gateway_world {
  explicit unknown_world(const std::string& tag) : gateway_world("PAYMENT", "", "", {}, tag) {}

  response pay(int64_t order_id) {
    return c->post("/api/payments/process/", process_body(order_id, "tok_unknown"), owner.access);
  }
  response refund(int64_t order_id) { return c->post("/api/payments/refund/", refund_body(order_id), owner.access); }

  /// After the first answer failed: the retry is paid, under the one key the first call was sent with.
  void check_paid_once(int64_t order_id, const response& retry, const std::string& key, const std::string& what) {
    BOOST_TEST_CONTEXT(what) {
      REQUIRE_STATUS(retry, 200);
      BOOST_TEST(string_of(retry.json, "status") == "succeeded", retry.body);
      auto keys = keys_sent(gateway, post_payments);
      BOOST_TEST(keys.size() >= 2u, "the charge was sent again under its key: " << keys.size() << " POSTs");
      BOOST_TEST((std::set<std::string>(keys.begin(), keys.end()) == std::set<std::string>{key}),
                 "charge POSTs carried other keys than " << key);
      BOOST_TEST(payment_rows(order_id) == "succeeded", "one payment, succeeded");
      BOOST_TEST(order_state(order_id) == "confirmed/paid");
      BOOST_TEST(db_int("SELECT count(*) FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'",
                        {id_text(order_id)}) == 1);
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unknown_gateway_outcomes)

// A charge answered after GATEWAY_TIMEOUT_MS, as a success: 504, the attempt unknown with its
// key, the order pending (not payable under a new key); the retry settles it under that key.
BOOST_AUTO_TEST_CASE(late_charge_success_is_charged_once) {
  unknown_world w{"late"};
  auto order = w.new_order();
  w.gateway.expect(answer("POST", "/api/v1/payments", 201, doc_create_reply, 2500, 1));
  fast_charge(w.gateway);

  CHECK_ERROR(w.pay(order), 504, "gateway_timeout");
  BOOST_TEST(payment_rows(order) == "unknown", "the attempt is recorded as unknown");
  BOOST_TEST(order_state(order) == "pending/pending", "the order awaits the unknown charge");
  auto key = payment_key(order);
  auto seen = w.c->get("/api/payments/" +
                         id_text(db_int("SELECT id FROM payments WHERE order_id = $1::bigint", {id_text(order)})) + "/",
                       w.owner.access);
  CHECK_STATUS(seen, 200);
  BOOST_TEST(string_of(seen.json, "status") == "pending", "an unknown payment shows as pending: " << seen.body);

  std::this_thread::sleep_for(1600ms);  // the provider's late success has gone out (to nobody)
  w.check_paid_once(order, w.pay(order), key, "the retry after a late success");
}

// A 5xx on the charge: 502, the attempt unknown; the order cannot be cancelled or charged anew
// meanwhile; the retry re-sends under the same key and the status check settles it.
BOOST_AUTO_TEST_CASE(charge_5xx_stays_pending_until_settled) {
  unknown_world w{"fivexx"};
  auto order = w.new_order();
  w.gateway.expect(answer("POST", "/api/v1/payments", 500, R"({"error":"internal"})", 0, 1));
  fast_charge(w.gateway);

  CHECK_ERROR(w.pay(order), 502, "payment_gateway_error");
  BOOST_TEST(payment_rows(order) == "unknown");
  auto key = payment_key(order);
  auto o = w.c->get("/api/orders/" + id_text(order) + "/", w.owner.access);
  BOOST_TEST(string_of(o.json, "payment_status") == "pending", o.body);
  CHECK_ERROR(w.c->post("/api/orders/" + id_text(order) + "/cancel/", "", w.owner.access), 409, "invalid_order_state");

  auto retry = w.pay(order);
  w.check_paid_once(order, retry, key, "the retry after a 5xx");
  BOOST_TEST(w.gateway.verify_times(R"({"method":"GET","path":"/api/v1/payments/pay_test_123"})", 1, 1).status == 202,
             "the settled charge's status was checked once");
}

// A refund answered after the timeout: 504, the refund unknown with its amount still reserved;
// the retry settles it under its key, and nothing is refunded twice.
BOOST_AUTO_TEST_CASE(late_refund_success_is_refunded_once) {
  unknown_world w{"lateref"};
  auto order = w.new_order();
  fast_charge(w.gateway);
  REQUIRE_STATUS(w.pay(order), 200);
  w.gateway.expect(answer("POST", "/api/v1/refunds", 201, refund_reply, 2500, 1));
  w.gateway.expect(answer("POST", "/api/v1/refunds", 201, refund_reply));
  const auto total = db_int("SELECT total_minor FROM orders WHERE id = $1::bigint", {id_text(order)});

  CHECK_ERROR(w.refund(order), 504, "gateway_timeout");
  BOOST_TEST(db_value("SELECT string_agg(status, ',') FROM refunds WHERE order_id = $1::bigint", {id_text(order)})
               .value_or("") == "unknown");
  BOOST_TEST(db_int("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {id_text(order)}) == total,
             "the unknown refund keeps its amount reserved");
  auto key = db_value("SELECT idempotence_key::text FROM refunds WHERE order_id = $1::bigint", {id_text(order)})
               .value_or("<none>");

  std::this_thread::sleep_for(1600ms);
  // The retry settles the first refund (accepted) and answers it: no second refund.
  auto retry = w.refund(order);
  CHECK_STATUS(retry, 201);
  BOOST_TEST(int_of(retry.json, "id") ==
               std::optional<int64_t>{db_int("SELECT id FROM refunds WHERE order_id = $1::bigint", {id_text(order)})},
             retry.body);
  CHECK_ERROR(w.refund(order), 409, "invalid_order_state");  // nothing left to refund
  auto keys = keys_sent(w.gateway, post_refunds);
  BOOST_TEST(keys.size() == 2u, "the refund was sent again under its key");
  BOOST_TEST((std::set<std::string>(keys.begin(), keys.end()) == std::set<std::string>{key}));
  BOOST_TEST(db_int("SELECT count(*) FROM refunds WHERE order_id = $1::bigint", {id_text(order)}) == 1);
  BOOST_TEST(db_value("SELECT string_agg(status, ',') FROM refunds WHERE order_id = $1::bigint", {id_text(order)})
               .value_or("") == "pending");
  BOOST_TEST(db_int("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {id_text(order)}) == total);
  BOOST_TEST(order_state(order) == "refunded/refunded");
}

// The server SIGKILLed while the charge is at the gateway: the attempt and its key were written
// before the call, so after a restart the retry settles it under that key: paid once.
BOOST_AUTO_TEST_CASE(server_killed_mid_charge_settles_after_restart) {
  unknown_world w{"killed"};
  auto order = w.new_order();
  w.gateway.expect(answer("POST", "/api/v1/payments", 201, doc_create_reply, 3000, 1));
  fast_charge(w.gateway);

  std::thread payer([&] {
    client mine{w.server->base_url()};
    mine.post("/api/payments/process/", process_body(order, "tok_unknown"), w.owner.access);  // cut off by the kill
  });
  bool at_gateway = poll_until([&] { return w.gateway.recorded_requests(post_payments).Size() >= 1; }, 5s, 10ms);
  BOOST_TEST_REQUIRE(at_gateway, "the charge never reached the gateway");
  w.server->signal(SIGKILL);
  BOOST_TEST_REQUIRE(w.server->wait_exit(5s));
  payer.join();
  BOOST_TEST(payment_rows(order) == "processing", "the attempt was recorded before the call");
  auto key = payment_key(order);
  BOOST_TEST(keys_sent(w.gateway, post_payments) == std::vector<std::string>{key});

  w.server = std::make_unique<server_process>(gateway_server("PAYMENT", w.gateway.base_url(), w.mail.base_url()));
  w.c = std::make_unique<client>(w.server->base_url());
  response retry;
  bool paid = poll_until(
    [&] {
      retry = w.pay(order);
      if (retry.status == 200)
        return true;
      HTTP_TEST_EXPECT(BOOST_TEST, retry, x_.status == 409 && x_.error_code() == "payment_in_progress",
                       "409 payment_in_progress while the killed node's call may still be running");
      return false;
    },
    20s, 250ms);
  BOOST_TEST_REQUIRE(paid, "the retry never settled the killed charge: " << retry.describe());
  w.check_paid_once(order, retry, key, "the retry after the restart");
}

// A charge the provider confirms after the order was cancelled (here the cancel is forced in
// the database, as an operator might) is refunded at once and logged; the order stays cancelled.
BOOST_AUTO_TEST_CASE(charge_landing_on_a_cancelled_order_is_refunded) {
  unknown_world w{"landed"};
  auto order = w.new_order();
  w.gateway.expect(answer("POST", "/api/v1/payments", 500, R"({"error":"internal"})", 0, 1));
  fast_charge(w.gateway);
  w.gateway.expect(answer("POST", "/api/v1/refunds", 201, refund_reply));
  CHECK_ERROR(w.pay(order), 502, "payment_gateway_error");
  db_value("UPDATE orders SET status = 'cancelled', version = version + 1 WHERE id = $1::bigint RETURNING id",
           {id_text(order)});
  std::this_thread::sleep_for(1100ms);  // past CACHE_TTL_MS: the order actor reloads

  auto r = w.pay(order);
  CHECK_ERROR(r, 409, "invalid_order_state");
  BOOST_TEST(order_state(order) == "cancelled/refunded");
  auto refunds = w.gateway.recorded_requests(post_refunds);
  BOOST_TEST_REQUIRE(refunds.Size() == 1u, "the charge that landed on a cancelled order is refunded");
  BOOST_TEST(string_of(mock_request_body(refunds[0]), "payment_id") == "pay_test_123");
  BOOST_TEST(w.server->log().find("cancelled") != std::string::npos, "the refund is logged");
}

// A cancel on node B racing a charge on node A (one database): the cancel is refused (the order
// ends paid), or the cancel wins and the charge never leaves the order paid. Never cancelled+paid.
BOOST_AUTO_TEST_CASE(cancel_and_charge_on_two_nodes_never_leave_a_cancelled_order_paid) {
  unknown_world w{"race"};
  server_process node_b{gateway_server("PAYMENT", w.gateway.base_url(), w.mail.base_url())};
  w.gateway.expect(answer("POST", "/api/v1/payments", 201, doc_create_reply, 300));
  w.gateway.expect(answer("GET", "/api/v1/payments/.+", 200, doc_succeeded_reply));
  w.gateway.expect(answer("POST", "/api/v1/refunds", 201, refund_reply));
  int cancelled = 0, paid = 0;
  for (int round = 0; round < 12; ++round) {
    BOOST_TEST_CONTEXT("round " << round) {
      auto order = w.new_order();
      response charge, cancel;
      start_gate gate{2};
      std::thread a([&] {
        client ca{w.server->base_url()};
        ca.get("/health/");
        gate.arrive_and_wait();
        charge = ca.post("/api/payments/process/", process_body(order, "tok_unknown"), w.owner.access);
      });
      std::thread b([&] {
        client cb{node_b.base_url()};
        cb.get("/health/");
        gate.arrive_and_wait();
        std::this_thread::sleep_for(std::chrono::milliseconds(round % 4));
        cancel = cb.post("/api/orders/" + id_text(order) + "/cancel/", "", w.owner.access);
      });
      gate.wait_for_all();
      gate.open();
      a.join();
      b.join();
      auto state = order_state(order);
      BOOST_TEST((state != "cancelled/paid" && state != "cancelled/partially_refunded"),
                 "cancelled and paid: " << state << "; charge " << charge.describe() << "; cancel " << cancel.describe());
      if (cancel.status == 200) {
        ++cancelled;
        BOOST_TEST(state.rfind("cancelled/", 0) == 0, state);
        bool charged = db_int("SELECT count(*) FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'",
                              {id_text(order)}) > 0;
        BOOST_TEST((!charged || state == "cancelled/refunded"),
                   "a charge that succeeded on a cancelled order is refunded: " << state);
      } else {
        HTTP_TEST_EXPECT(BOOST_TEST, cancel, x_.status == 409 && x_.error_code() == "invalid_order_state",
                         "the cancel is refused");
        if (charge.status == 200) {
          ++paid;
          BOOST_TEST(state == "confirmed/paid");
        }
      }
    }
  }
  BOOST_TEST_MESSAGE("cancel won " << cancelled << " rounds, the charge " << paid);
  stop_cleanly(node_b, "node B");
}

BOOST_AUTO_TEST_SUITE_END()
