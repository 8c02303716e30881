// Payments (API.md §3.5 process, §5 second bullet, §6; §3.7 notifications) against a dedicated
// server whose payment and e-mail gateways are two commerce-mock instances, with
// GATEWAY_TIMEOUT_MS=1000: the document's flow with its exact mock bodies, a payment that stays
// pending, every kind of gateway failure followed by a successful retry, exactly one charge under
// concurrency on one and on two servers, the refusals, a failing e-mail gateway, and the
// gateway_calls audit. Both mocks are reset before every case.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------------------------------------
// The suite's environment: two mocks, the server, accounts and a product (suite fixture)

struct payments_env : payment_suite_env {
  static constexpr const char* what = "the payments server";
  std::unique_ptr<server_process> second;  ///< same settings and database; started on first use

  payments_env() : payment_suite_env("payer", "stranger", "Payable ") {}

  ~payments_env() {
    if (second)
      stop_cleanly(*second, "the second payments server");
  }

  server_process& second_server() {
    if (!second)
      second = std::make_unique<server_process>(gateway_server("PAYMENT", pay.base_url(), mail.base_url()));
    return *second;
  }
};


// ---------------------------------------------------------------------------------------------
// Helpers

std::string order_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/"; }
std::string payment_path(int64_t id) { return "/api/payments/" + std::to_string(id) + "/"; }
std::string notifications_path(int64_t id) { return "/api/notifications/order/" + std::to_string(id) + "/"; }

std::optional<bool> bool_of(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject())
    return std::nullopt;
  auto m = v.FindMember(key);
  return m != v.MemberEnd() && m->value.IsBool() ? std::optional<bool>{m->value.GetBool()} : std::nullopt;
}

const std::set<std::string> payment_keys = {"id",     "order_id",         "status",
                                            "amount", "currency",         "payment_method",
                                            "confirmation_url", "provider_payment_id", "created_at"};
const std::set<std::string> notification_keys = {"id",     "order_id",  "type",      "provider",
                                                 "notification_type", "status", "recipient", "created_at"};

/// A Payment body (API.md §3.5) for `order_id` with `status` and the order's total.
void check_payment(const response& r, int64_t order_id, double total, const std::string& status,
                   const std::string& context) {
  BOOST_TEST_REQUIRE((r.is_json && r.json.IsObject()), context << ": " << r.describe());
  const auto& p = r.json;
  BOOST_TEST((keys_of(p) == payment_keys), context << ": Payment has other keys: " << r.body);
  BOOST_TEST(int_of(p, "id").value_or(0) > 0, context << ": id: " << r.body);
  BOOST_TEST(int_of(p, "order_id") == std::optional<int64_t>{order_id}, context << ": order_id");
  BOOST_TEST(string_of(p, "status") == status, context << ": " << r.body);
  BOOST_TEST(same_money(number_of(p, "amount"), total), context << ": amount " << number_of(p, "amount")
                                                                << " is not the order's total " << total);
  BOOST_TEST(string_of(p, "currency") == "RUB", context);
  BOOST_TEST(string_of(p, "payment_method") == "card", context);
  BOOST_TEST(is_iso8601_utc(string_of(p, "created_at")), context << ": created_at: " << r.body);
}

/// Runs `send` from n threads at once, request i against base_urls[i % size]; every thread opens
/// its connection first (GET /health/) and then waits at one gate.
std::vector<response> race(const std::vector<std::string>& base_urls, int n,
                           const std::function<response(client&)>& send) {
  std::vector<response> results(n);
  start_gate gate{n};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      client c{base_urls[i % base_urls.size()]};
      c.get("/health/");
      gate.arrive_and_wait();
      results[i] = send(c);
    });
  gate.wait_for_all();
  gate.open();
  for (auto& t : threads)
    t.join();
  return results;
}

long ms_since(steady::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count());
}

struct placed_order {
  int64_t id = 0;
  double total = 0;
};

// ---------------------------------------------------------------------------------------------
// The per-case fixture

struct payment_case {
  payments_env& env;
  client c;

  payment_case() : env(suite_env<payments_env>::get()), c(env.server.base_url()) {
    env.reset_mocks();
  }

  /// The document's two payment expectations: create -> 201 pending, status -> 200 succeeded.
  void document_payment_mock(int create_delay_ms = 0) {
    env.pay.expect(doc_create_expectation(201, doc_create_reply, create_delay_ms));
    env.pay.expect(doc_status_expectation());
  }

  /// A new order of the owner's (or `who`'s) for `quantity` units; requires 201.
  placed_order new_order(int quantity = 1, const account* who = nullptr) {
    auto r = c.post("/api/orders/", order_body({{env.product, quantity}}), (who ? *who : env.owner).access);
    REQUIRE_STATUS(r, 201);
    placed_order o{int_of(r.json, "id").value_or(0), number_of(r.json, "total")};
    BOOST_TEST_REQUIRE(o.id > 0);
    BOOST_TEST_REQUIRE(same_money(o.total, 123.45 * quantity), "total " << o.total);
    return o;
  }

  response pay(int64_t order_id, const std::string& token = "tok_visa_4242", const std::string* bearer = nullptr) {
    return c.post("/api/payments/process/", process_body(order_id, token), bearer ? *bearer : env.owner.access);
  }

  /// The order as its owner sees it through the suite's server.
  void check_order(int64_t id, const std::string& status, const std::string& payment_status, bool processed,
                   const std::string& context) {
    auto r = c.get(order_path(id), env.owner.access);
    BOOST_TEST_REQUIRE(r.status == 200, context << ": " << r.request << " -> " << r.describe());
    BOOST_TEST(string_of(r.json, "status") == status, context << ": order status: " << r.body);
    BOOST_TEST(string_of(r.json, "payment_status") == payment_status, context << ": payment_status: " << r.body);
    BOOST_TEST((bool_of(r.json, "payment_processed") == std::optional<bool>{processed}),
               context << ": payment_processed: " << r.body);
  }

  /// Waits up to 5 s for the order's notification list to have `n` entries; returns the last answer.
  response notifications_when(int64_t order_id, size_t n) { return notifications_of(c, order_id, env.owner.access, n); }

  /// One order_confirmation notification of `status` sent to the owner (and nothing else).
  void check_confirmation_notification(int64_t order_id, const std::string& status, const std::string& context) {
    auto r = notifications_when(order_id, 1);
    BOOST_TEST_REQUIRE(r.status == 200, context << ": " << r.request << " -> " << r.describe());
    BOOST_TEST_REQUIRE((r.is_json && r.json.IsArray()), context << ": not a bare array: " << r.body);
    BOOST_TEST_REQUIRE(r.json.Size() == 1u, context << ": notifications after 5 s: " << r.body);
    const auto& n = r.json[0];
    BOOST_TEST((keys_of(n) == notification_keys), context << ": N has other keys: " << r.body);
    BOOST_TEST(int_of(n, "id").value_or(0) > 0, context);
    BOOST_TEST(int_of(n, "order_id") == std::optional<int64_t>{order_id}, context);
    BOOST_TEST(string_of(n, "type") == "email", context);
    BOOST_TEST(string_of(n, "provider") == "generic", context);
    BOOST_TEST(string_of(n, "notification_type") == "order_confirmation", context << ": " << r.body);
    BOOST_TEST(string_of(n, "status") == status, context << ": " << r.body);
    BOOST_TEST(string_of(n, "recipient") == env.owner.email, context << ": " << r.body);
    BOOST_TEST(is_iso8601_utc(string_of(n, "created_at")), context << ": created_at: " << r.body);
  }

  /// The order's confirmation e-mail reaches the e-mail mock within 5 s.
  void check_confirmation_email_sent(int64_t order_id, const std::string& context) {
    bool seen = poll_until([&] { return env.mail.verify_times(confirmation_email_of(order_id), 1, -1).status == 202; },
                           5s);
    BOOST_TEST(seen, context << ": no order_confirmation e-mail for order " << order_id << " within 5 s; the mock got: "
                             << env.mail.verify_times(confirmation_email_of(order_id), 1, -1).body);
  }
};

/// A gateway failure on the first attempt (`failing` installed on the payment mock, or `via` a
/// server whose gateway is elsewhere): `want_status` `want_code` and one POST. When the request
/// reached the gateway (`failing`: a 5xx, an unreadable answer, a timeout, a drop) its outcome is
/// unknown: the payment row `unknown`, the order pending, and the retry sends the same charge
/// again under the same key (API.md §5). When it never left (a refused connection) it failed:
/// the order unpaid, and the retry is a new charge. Either way the retry on the suite's server
/// with the document's mock succeeds.
void failure_then_retry(payment_case& f, const std::optional<std::string>& failing, long want_status,
                        const std::string& want_code, const std::string& what, server_process* via = nullptr,
                        std::optional<std::pair<long, long>> elapsed_ms = std::nullopt) {
  auto& env = f.env;
  auto o = f.new_order(1);
  if (failing)
    env.pay.expect(*failing);
  env.pay.expect(doc_status_expectation());  // a GET after a failed create would be a bug: counted below

  const std::string token = "tok_fail_" + unique_tag();
  client through{via ? via->base_url() : env.server.base_url()};
  auto started = steady::now();
  auto r = through.post("/api/payments/process/", process_body(o.id, token), env.owner.access);
  auto took = ms_since(started);
  HTTP_TEST_EXPECT(BOOST_TEST, r, x_.status == want_status && x_.error_code() == want_code,
                   want_status << " " << want_code << " for " << what);
  BOOST_TEST(r.body.find(token) == std::string::npos, what << ": the error body repeats the payment token");
  if (elapsed_ms)
    BOOST_TEST((took >= elapsed_ms->first && took <= elapsed_ms->second),
               what << ": answered after " << took << " ms, expected " << elapsed_ms->first << "-"
                    << elapsed_ms->second << " ms");

  const bool unknown = failing.has_value();
  f.check_order(o.id, "pending", unknown ? "pending" : "unpaid", false, what + ", after the failure");
  BOOST_TEST(payment_rows(o.id) == (unknown ? "unknown" : "failed"), what << ": payment rows of the order");
  const auto first_key = db_value("SELECT idempotence_key::text FROM payments WHERE order_id = $1::bigint",
                                  {std::to_string(o.id)}).value_or("<none>");
  if (failing) {
    check_seen(env.pay, post_payments, 1, what + ": POST /api/v1/payments, never retried");
    check_seen(env.pay, get_payments, 0, what + ": no status check after a failed create");
  } else {
    check_seen(env.pay, payment_calls, 0, what + ": the mock is not this gateway");
  }

  // The retry succeeds, with one more POST: under the first key when the outcome was unknown.
  env.pay.reset();
  f.document_payment_mock();
  auto retry = f.pay(o.id, token);
  REQUIRE_STATUS(retry, 200);
  check_payment(retry, o.id, o.total, "succeeded", what + ", the retry");
  check_seen(env.pay, post_payments, 1, what + ": the retry's POST");
  check_seen(env.pay, payment_calls, 2, what + ": the retry's create and status check");
  f.check_order(o.id, "confirmed", "paid", true, what + ", after the retry");
  BOOST_TEST(payment_rows(o.id) == (unknown ? "succeeded" : "failed,succeeded"),
             what << ": payment rows of the order");
  if (unknown) {
    auto posts = env.pay.recorded_requests(post_payments);
    BOOST_TEST((posts.Size() == 1u && mock_first_header(posts[0], "Idempotence-Key") == first_key),
               what << ": the retry re-sent the unknown charge under its key " << first_key);
  }
  f.check_confirmation_email_sent(o.id, what + ", after the retry");
}

/// Ten simultaneous charges of one order over `base_urls`: one 200, nine 409 (already paid or in
/// progress), one POST at the gateway, one payment row, the order paid once.
void ten_charges_at_once(payment_case& f, const std::vector<std::string>& base_urls, const std::string& what) {
  auto o = f.new_order(1);
  f.document_payment_mock(300);  // a slow create keeps the charge in flight while the others arrive
  const auto token = f.env.owner.access;
  auto results = race(base_urls, 10, [&](client& c) {
    return c.post("/api/payments/process/", process_body(o.id, "tok_race"), token);
  });
  int ok = 0, conflicts = 0;
  std::map<std::string, int> codes;
  for (const auto& r : results) {
    if (r.status == 200) {
      ++ok;
      check_payment(r, o.id, o.total, "succeeded", what);
    } else if (r.status == 409 && (r.error_code() == "order_already_paid" || r.error_code() == "payment_in_progress")) {
      ++conflicts;
      ++codes[r.error_code()];
    } else {
      BOOST_ERROR(what << ": unexpected answer: " << r.request << " -> " << r.describe());
    }
  }
  BOOST_TEST(ok == 1, what << ": 200 answers: " << ok);
  BOOST_TEST(conflicts == 9, what << ": 409 answers: " << conflicts);
  BOOST_TEST_MESSAGE(what << ": 409 codes: order_already_paid " << codes["order_already_paid"]
                          << ", payment_in_progress " << codes["payment_in_progress"]);
  check_seen(f.env.pay, post_payments, 1, what + ": POST /api/v1/payments");
  BOOST_TEST(payment_rows(o.id) == "succeeded", what << ": payment rows of the order");
  // Read from the database: another node's cached copy may lag by CACHE_TTL_MS.
  BOOST_TEST(order_row(o.id) == "confirmed/paid/true", what);
  f.check_confirmation_email_sent(o.id, what);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payments, payment_case, *boost::unit_test::fixture<suite_env<payments_env>>())

// 1. The document's payment flow, with its exact mock bodies.
BOOST_AUTO_TEST_CASE(document_flow_charges_confirms_and_emails) {
  auto o = new_order(2);
  document_payment_mock();
  const std::string token = "tok_doc_" + unique_tag();

  auto r = pay(o.id, token);
  REQUIRE_STATUS(r, 200);
  check_payment(r, o.id, o.total, "succeeded", "process");
  BOOST_TEST(string_of(r.json, "confirmation_url") == doc_confirmation_url, r.body);
  BOOST_TEST(string_of(r.json, "provider_payment_id") == "pay_test_123", r.body);
  const int64_t payment_id = int_of(r.json, "id").value_or(0);

  check_order(o.id, "confirmed", "paid", true, "after the payment");

  // GET /api/payments/{id}/ is the same Payment, for the owner and for staff.
  auto again = c.get(payment_path(payment_id), env.owner.access);
  REQUIRE_STATUS(again, 200);
  BOOST_TEST((again.json == r.json), "GET " << again.body << " differs from the process answer " << r.body);
  auto by_staff = c.get(payment_path(payment_id), env.staff.access);
  REQUIRE_STATUS(by_staff, 200);
  BOOST_TEST((by_staff.json == r.json), by_staff.body);

  // The create call as the gateway saw it.
  auto posts = env.pay.recorded_requests(post_payments);
  BOOST_TEST_REQUIRE(posts.Size() == 1u, "POST /api/v1/payments calls: " << posts.Size());
  const auto& post = posts[0];
  auto keys = mock_request_header(post, "Idempotence-Key");
  BOOST_TEST_REQUIRE(keys.size() == 1u, "Idempotence-Key headers: " << keys.size());
  BOOST_TEST(is_uuid(keys[0]), "Idempotence-Key is not a UUID: " << keys[0]);
  auto stored_key = db_value("SELECT idempotence_key::text FROM payments WHERE id = $1::bigint", {std::to_string(payment_id)});
  BOOST_TEST((stored_key == std::optional<std::string>{keys[0]}), "the key is not the local payment's UUID");
  auto content_type = mock_request_header(post, "Content-Type");
  BOOST_TEST((content_type.size() == 1u && content_type[0].rfind("application/json", 0) == 0),
             "Content-Type of the create call");
  auto body = mock_request_body(post);
  BOOST_TEST_REQUIRE(body.IsObject(), "the create call's body is not a JSON object");
  BOOST_TEST(int_of(body, "order_id") == std::optional<int64_t>{o.id});
  BOOST_TEST(same_money(number_of(body, "amount"), o.total), "amount sent: " << number_of(body, "amount")
                                                                             << ", order total: " << o.total);
  BOOST_TEST(string_of(body, "currency") == "RUB");
  BOOST_TEST(string_of(body, "payment_method") == "card");
  BOOST_TEST(string_of(body, "payment_token") == token);
  BOOST_TEST(!string_of(body, "description").empty());
  BOOST_TEST(string_of(body, "description") != "<missing>");

  // The status check: once, for the id the create call returned.
  check_seen(env.pay, get_payments, 1, "GET /api/v1/payments/{id}");
  check_seen(env.pay, R"({"method":"GET","path":"/api/v1/payments/pay_test_123"})", 1, "the status check's path");

  // The order_confirmation e-mail: the document's own verification, polled for up to 5 s.
  // document bug: it verified any POST /api/v1/emails/send, which any other e-mail (a
  // verification e-mail the server delivers from the shared outbox) satisfies; here it is this
  // order's confirmation to its owner.
  const auto confirmation = email_of(env.owner.email, "order_confirmation", o.id);
  bool delivered = poll_until([&] { return env.mail.verify_times(confirmation, 1, -1).status == 202; }, 5s);
  BOOST_TEST_REQUIRE(delivered, "the e-mail mock got no order_confirmation for the order within 5 s: "
                                  << env.mail.verify_times(confirmation, 1, -1).describe());
  auto emails = env.mail.recorded_requests(confirmation_email_of(o.id));
  BOOST_TEST_REQUIRE(emails.Size() == 1u, "order_confirmation e-mails for the order: " << emails.Size());
  auto email = mock_request_body(emails[0]);
  BOOST_TEST_REQUIRE(email.IsObject(), "the e-mail call's body is not a JSON object");
  BOOST_TEST(string_of(email, "to") == env.owner.email);
  BOOST_TEST(string_of(email, "template") == "order_confirmation");
  BOOST_TEST(!string_of(email, "subject").empty());
  BOOST_TEST(string_of(email, "subject") != "<missing>");
  BOOST_TEST(int_of(email, "order_id") == std::optional<int64_t>{o.id});
  BOOST_TEST((email.HasMember("data") && email["data"].IsObject()), "data is not an object");

  check_confirmation_notification(o.id, "sent", "the notification list");
  auto staff_view = c.get(notifications_path(o.id), env.staff.access);
  CHECK_STATUS(staff_view, 200);
}

// 2. A payment the gateway keeps pending: 200 pending, the order pending; a later call succeeds.
BOOST_AUTO_TEST_CASE(pending_payment_keeps_the_order_payable) {
  auto o = new_order(1);
  env.pay.expect(doc_create_expectation());
  env.pay.expect(doc_status_expectation(doc_pending_reply));

  auto first = pay(o.id);
  REQUIRE_STATUS(first, 200);
  check_payment(first, o.id, o.total, "pending", "first call");
  BOOST_TEST(string_of(first.json, "confirmation_url") == doc_confirmation_url, first.body);
  BOOST_TEST(string_of(first.json, "provider_payment_id") == "pay_test_123", first.body);
  check_seen(env.pay, post_payments, 1, "first call");
  check_seen(env.pay, get_payments, 1, "first call's status check");
  check_order(o.id, "pending", "pending", false, "after a pending payment");
  auto stored = c.get(payment_path(int_of(first.json, "id").value_or(0)), env.owner.access);
  REQUIRE_STATUS(stored, 200);
  BOOST_TEST(string_of(stored.json, "status") == "pending", stored.body);
  BOOST_TEST(payment_rows(o.id) == "pending");

  // Still pending at the gateway: a second call is allowed (the order is `pending`), but it
  // checks the same payment again instead of creating a second live payment at the gateway.
  auto second = pay(o.id);
  REQUIRE_STATUS(second, 200);
  check_payment(second, o.id, o.total, "pending", "second call");
  BOOST_TEST(int_of(second.json, "id") == int_of(first.json, "id"), "the same payment is expected");
  check_seen(env.pay, post_payments, 1, "second call: no second create");
  check_seen(env.pay, get_payments, 2, "second call: one more status check");
  check_order(o.id, "pending", "pending", false, "after the second pending answer");

  // The gateway now answers succeeded: the same payment settles.
  env.pay.reset();
  document_payment_mock();
  auto third = pay(o.id);
  REQUIRE_STATUS(third, 200);
  check_payment(third, o.id, o.total, "succeeded", "third call");
  BOOST_TEST(int_of(third.json, "id") == int_of(first.json, "id"), "the pending payment settles");
  check_seen(env.pay, post_payments, 0, "third call: no create");
  check_order(o.id, "confirmed", "paid", true, "after the successful call");
  BOOST_TEST(payment_rows(o.id) == "succeeded");
  check_confirmation_email_sent(o.id, "after the successful call");
  check_confirmation_notification(o.id, "sent", "after the successful call");
}

// 3. Gateway failures: 502/504, the order stays payable, and a retry succeeds.
BOOST_AUTO_TEST_CASE(gateway_500_is_502_and_retry_succeeds) {
  failure_then_retry(*this, doc_create_expectation(500, R"({"error": "internal"})"), 502, "payment_gateway_error",
                     "gateway 500");
}

BOOST_AUTO_TEST_CASE(non_json_reply_is_502_and_retry_succeeds) {
  failure_then_retry(*this, doc_create_expectation(200, "<html>Service temporarily unavailable</html>"), 502,
                     "payment_gateway_error", "200 with a non-JSON body");
}

BOOST_AUTO_TEST_CASE(refused_connection_is_502_and_retry_succeeds) {
  const int closed = free_port();  // nothing listens there
  server_process refused{gateway_server("PAYMENT", "http://127.0.0.1:" + std::to_string(closed), env.mail.base_url())};
  failure_then_retry(*this, std::nullopt, 502, "payment_gateway_error", "connection refused", &refused);
  refused.stop();
  BOOST_TEST((refused.exit_code() == std::optional<int>{0}), "exit: " << refused.exit_description());
}

BOOST_AUTO_TEST_CASE(slow_gateway_is_504_and_retry_succeeds) {
  // GATEWAY_TIMEOUT_MS=1000 against a 3 s delay: 504 after about 1 s, certainly within 2 s.
  failure_then_retry(*this, doc_create_expectation(201, doc_create_reply, 3000), 504, "gateway_timeout",
                     "a 3 s delay", nullptr, std::pair<long, long>{900, 2000});
}

BOOST_AUTO_TEST_CASE(dropped_connection_is_502_and_retry_succeeds) {
  failure_then_retry(*this, std::string{R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},)"
                                        R"("httpError":{"dropConnection":true}})"},
                     502, "payment_gateway_error", "dropConnection");
}

// 4. Exactly one charge per order (API.md §5).
BOOST_AUTO_TEST_CASE(ten_simultaneous_charges_on_one_server_charge_once) {
  ten_charges_at_once(*this, {env.server.base_url()}, "one server");
}

BOOST_AUTO_TEST_CASE(ten_simultaneous_charges_on_two_servers_charge_once) {
  ten_charges_at_once(*this, {env.server.base_url(), env.second_server().base_url()}, "two servers");
}

// 5. Refusals: already paid, cancelled, someone else's, anonymous, bad input. None reaches the gateway.
BOOST_AUTO_TEST_CASE(refusals_never_reach_the_gateway) {
  document_payment_mock();
  auto paid = new_order(1);
  auto first = pay(paid.id);
  REQUIRE_STATUS(first, 200);
  const auto payment_id = int_of(first.json, "id").value_or(0);
  const std::string any_gateway_call = R"({"path":"/api/v1/.*"})";
  check_seen(env.pay, any_gateway_call, 2, "the charge before the refusals (create and status check)");
  env.pay.reset();  // from here on, no call may reach the gateway
  document_payment_mock();

  CHECK_ERROR(pay(paid.id), 409, "order_already_paid");

  auto cancelled = new_order(1);
  REQUIRE_STATUS(c.post("/api/orders/" + std::to_string(cancelled.id) + "/cancel/", "", env.owner.access), 200);
  CHECK_ERROR(pay(cancelled.id), 409, "invalid_order_state");

  // Someone else's order, payment and notifications: 404, as for an unknown id. Staff sees them.
  auto open = new_order(1);
  CHECK_ERROR(pay(open.id, "tok_x", &env.stranger.access), 404, "not_found");
  CHECK_ERROR(c.get(payment_path(payment_id), env.stranger.access), 404, "not_found");
  CHECK_ERROR(c.get(notifications_path(paid.id), env.stranger.access), 404, "not_found");
  CHECK_STATUS(c.get(payment_path(payment_id), env.staff.access), 200);
  CHECK_ERROR(pay(999999999), 404, "not_found");
  CHECK_ERROR(c.get(payment_path(999999999), env.owner.access), 404, "not_found");
  CHECK_ERROR(c.get("/api/payments/abc/", env.owner.access), 404, "not_found");
  CHECK_ERROR(c.get(notifications_path(999999999), env.owner.access), 404, "not_found");

  // Anonymous: 401 before the body is even parsed.
  for (const std::string& body : {process_body(open.id, "tok_x"), std::string{"{broken"}}) {
    auto r = c.post("/api/payments/process/", body);
    CHECK_ERROR(r, 401, "not_authenticated");
    BOOST_TEST(r.header("WWW-Authenticate").rfind("Bearer", 0) == 0, "WWW-Authenticate: " << r.header("WWW-Authenticate"));
  }
  CHECK_ERROR(c.get(payment_path(payment_id)), 401, "not_authenticated");
  CHECK_ERROR(c.get(notifications_path(paid.id)), 401, "not_authenticated");

  // Bad input: 400 naming the field.
  const auto id = std::to_string(open.id);
  const auto& t = env.owner.access;
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", json_object{{"order_id", open.id}, {"payment_method", "card"}}, t),
                    "payment_token");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", R"({"order_id":"x","payment_token":"tok_x"})", t), "order_id");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", R"({"payment_token":"tok_x"})", t), "order_id");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", json_object{{"order_id", id}, {"payment_token", "tok_x"}}, t),
                    "order_id");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", R"({"order_id":1.5,"payment_token":"tok_x"})", t), "order_id");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/",
                           json_object{{"order_id", open.id}, {"payment_method", "cash"}, {"payment_token", "tok_x"}}, t),
                    "payment_method");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", json_object{{"order_id", open.id}, {"payment_token", ""}}, t),
                    "payment_token");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", process_body(open.id, std::string(4097, 't')), t),
                    "payment_token");
  CHECK_FIELD_ERROR(c.post("/api/payments/create/", json_object{{"order_id", open.id}, {"payment_token", ""}}, t),
                    "payment_token");
  CHECK_FIELD_ERROR(c.post("/api/payments/process/", json_object{{"order_id", open.id}, {"payment_token", 42}}, t),
                    "payment_token");
  CHECK_ERROR(c.post("/api/payments/process/", "{\"order_id\":", t), 400, "invalid_json");

  check_seen(env.pay, any_gateway_call, 0, "after the refusals");
  check_order(open.id, "pending", "unpaid", false, "the order others tried to pay");
  BOOST_TEST(payment_rows(open.id) == "");
  BOOST_TEST(payment_rows(cancelled.id) == "");
  BOOST_TEST(payment_rows(paid.id) == "succeeded");
}

// 6. A failing e-mail gateway never fails the payment; the notification is recorded as failed.
BOOST_AUTO_TEST_CASE(failing_email_gateway_does_not_fail_the_payment) {
  env.mail.reset();
  env.mail.expect(email_queued_expectation(500));
  document_payment_mock();
  auto o = new_order(1);
  auto r = pay(o.id);
  REQUIRE_STATUS(r, 200);
  check_payment(r, o.id, o.total, "succeeded", "with a failing e-mail gateway");
  check_order(o.id, "confirmed", "paid", true, "with a failing e-mail gateway");
  check_confirmation_email_sent(o.id, "with a failing e-mail gateway");
  check_confirmation_notification(o.id, "failed", "with a failing e-mail gateway");
}

// §4 on /api/payments/process/: the same key and body replay the stored answer without a second
// charge; another body gets 422; a failed attempt is not stored, so the key may be retried.
BOOST_AUTO_TEST_CASE(idempotency_key_replays_the_charge) {
  auto send = [&](const placed_order& o, const std::string& token, const std::string& key,
                  const account* who = nullptr) {
    return post_with_key(c, "/api/payments/process/", process_body(o.id, token), (who ? *who : env.owner).access, key);
  };
  // A gateway failure is not stored: the same key then charges.
  const std::string key = "pay-" + unique_tag();
  auto o = new_order(1);
  env.pay.expect(doc_create_expectation(500, R"({"error": "internal"})"));
  CHECK_ERROR(send(o, "tok_idem", key), 502, "payment_gateway_error");
  env.pay.reset();
  document_payment_mock();
  auto first = send(o, "tok_idem", key);
  REQUIRE_STATUS(first, 200);
  check_payment(first, o.id, o.total, "succeeded", "with an Idempotency-Key");

  auto replay = send(o, "tok_idem", key);
  CHECK_STATUS(replay, 200);
  BOOST_TEST(replay.header("Idempotent-Replayed") == "true", "Idempotent-Replayed: " << replay.header("Idempotent-Replayed"));
  BOOST_TEST((replay.json == first.json), "the replay " << replay.body << " differs from " << first.body);
  // Bodies are compared as JSON: member order and whitespace do not matter.
  auto reordered = post_with_key(c, "/api/payments/process/",
                                 "{ \"payment_token\" : \"tok_idem\", \"payment_method\": \"card\", \"order_id\": " +
                                   std::to_string(o.id) + " }",
                                 env.owner.access, key);
  CHECK_STATUS(reordered, 200);
  BOOST_TEST((reordered.json == first.json), reordered.body);
  CHECK_ERROR(send(o, "tok_other", key), 422, "idempotency_key_reused");
  check_seen(env.pay, post_payments, 1, "one charge for the key");

  // Another user's identical key is another scope.
  auto theirs = new_order(1, &env.stranger);
  auto other_user = send(theirs, "tok_idem", key, &env.stranger);
  CHECK_STATUS(other_user, 200);
  BOOST_TEST(int_of(other_user.json, "order_id") == std::optional<int64_t>{theirs.id}, other_user.body);

  // A key must be 1-255 visible ASCII characters.
  auto next = new_order(1);
  CHECK_ERROR(send(next, "tok_idem", std::string(256, 'k')), 400, "validation_error");
  BOOST_TEST(payment_rows(next.id) == "");
}

// 7. Every outbound call is in gateway_calls, with its status and latency, and nothing secret.
BOOST_AUTO_TEST_CASE(gateway_calls_are_recorded_without_secrets) {
  const auto mark = std::to_string(db_int("SELECT COALESCE(max(id), 0) FROM gateway_calls"));
  const std::string token = "tok_secret_" + unique_tag();

  document_payment_mock(300);
  auto o = new_order(1);
  auto r = pay(o.id, token);
  REQUIRE_STATUS(r, 200);
  const auto idempotence_key =
    db_value("SELECT idempotence_key::text FROM payments WHERE id = $1::bigint",
             {std::to_string(int_of(r.json, "id").value_or(0))})
      .value_or("<none>");

  // A failing create (HTTP 500) and a dropped connection, each recorded too.
  env.pay.reset();
  env.pay.expect(doc_create_expectation(500, R"({"error": "internal"})"));
  auto failed_order = new_order(1);
  CHECK_ERROR(pay(failed_order.id, token), 502, "payment_gateway_error");
  env.pay.reset();
  env.pay.expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},"httpError":{"dropConnection":true}})");
  CHECK_ERROR(pay(failed_order.id, token), 502, "payment_gateway_error");

  const std::string rows_sql =
    "SELECT string_agg(provider || ' ' || operation || ' ' || method || ' ' || path || ' ' || status || ' ' || "
    "failure || ' ' || attempts, E'\\n' ORDER BY id) FROM gateway_calls WHERE id > $1::bigint";
  bool emailed = poll_until(
    [&] {
      return db_int("SELECT count(*) FROM gateway_calls WHERE id > $1::bigint AND operation = 'send_email'", {mark}) >= 1;
    },
    5s);
  BOOST_TEST_REQUIRE(emailed, "no send_email row within 5 s; rows:\n" << db_value(rows_sql, {mark}).value_or(""));
  const auto rows = db_value(rows_sql, {mark}).value_or("");
  BOOST_TEST_MESSAGE("gateway_calls:\n" << rows);

  auto row_count = [&](const std::string& where) {
    return db_int("SELECT count(*) FROM gateway_calls WHERE id > $1::bigint AND " + where, {mark});
  };
  BOOST_TEST(row_count("provider = 'generic' AND operation = 'create_payment' AND method = 'POST' AND "
                       "path = '/api/v1/payments' AND status = 201 AND failure = 'none' AND attempts = 1 AND "
                       "latency_ms >= 250 AND latency_ms < 5000") == 1,
             "a create_payment row with 201 and the mock's 300 ms delay in latency_ms; rows:\n" << rows);
  BOOST_TEST(row_count("provider = 'generic' AND operation = 'get_payment' AND method = 'GET' AND "
                       "path = '/api/v1/payments/pay_test_123' AND status = 200 AND failure = 'none' AND "
                       "attempts = 1 AND latency_ms >= 0") == 1,
             "a get_payment row with 200; rows:\n" << rows);
  BOOST_TEST(row_count("provider = 'generic' AND operation = 'send_email' AND method = 'POST' AND "
                       "path = '/api/v1/emails/send' AND status = 202 AND failure = 'none' AND latency_ms >= 0") == 1,
             "a send_email row with 202; rows:\n" << rows);
  BOOST_TEST(row_count("operation = 'create_payment' AND status = 500 AND attempts = 1") == 1,
             "a create_payment row with 500 (not retried); rows:\n" << rows);
  BOOST_TEST(row_count("operation = 'create_payment' AND status = 0 AND failure NOT IN ('none', '') AND "
                       "attempts = 1") == 1,
             "a create_payment row for the dropped connection; rows:\n" << rows);
  BOOST_TEST(row_count("operation = 'get_payment' AND status <> 200") == 0, "rows:\n" << rows);

  // No column of any row holds the payment token, the idempotence key or a bearer token.
  auto holding = [&](const std::string& secret) {
    return db_int("SELECT count(*) FROM gateway_calls g WHERE g.id > $1::bigint AND strpos(g::text, $2) > 0",
                  {mark, secret});
  };
  BOOST_TEST(holding(token) == 0, "the payment token is in gateway_calls");
  BOOST_TEST(holding(idempotence_key) == 0, "the idempotence key is in gateway_calls");
  BOOST_TEST(holding(env.owner.access) == 0, "the bearer token is in gateway_calls");
  BOOST_TEST(env.server.log().find(token) == std::string::npos, "the payment token is in the server's log");
}

BOOST_AUTO_TEST_SUITE_END()
