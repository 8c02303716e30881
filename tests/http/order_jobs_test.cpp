// The document's async tests (online-store-integration-testing.ru.md, TestAsyncProcessesIntegration:
// order processing and the notification workflow) and what a shop needs around them (API.md
// §3.4 /process/, §3.7 notifications/send): a dedicated server whose payment, shipping and
// e-mail gateways are three commerce-mock instances, with fast job retries (JOB_MAX_ATTEMPTS=3).
// Each case polls the task's status until it is done, then checks the effects: the order's
// row, the gateway calls each mock saw, the e-mail through /mockserver/verify, the
// notifications the API lists.
#include "tests/http/support.hpp"
#include "tests/http/support/payment_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const ship_order_reply =
  R"({"id": "ship_mock_1732500000.111111", "tracking_number": "TRACK123456", "status": "created"})";
const char* const post_shipments = R"({"method":"POST","path":"/api/v1/shipping/orders"})";
/// Any e-mail about `order_id` (JSON body matched on that field only).
std::string about_order(int64_t order_id) {
  return json_object{{"method", "POST"}, {"path", "/api/v1/emails/send"}, {"body", json_object{{"order_id", order_id}}}};
}

struct jobs_env {
  static constexpr const char* what = "the background jobs server";
  gateway_mock pay;
  gateway_mock ship;
  gateway_mock mail;
  server_process server;
  account owner, stranger, staff;
  int64_t product = 0;  ///< 250.00 RUB

  jobs_env() : server(options(pay, ship, mail)) {
    client c{server.base_url()};
    owner = new_account(c, "processor");
    stranger = new_account(c, "bystander");
    staff = staff_account(c);
    product = create_product(c, staff.access, unique_tag("Processable "), "250.00", 100000);
  }

  static server_process::options options(gateway_mock& pay, gateway_mock& ship, gateway_mock& mail) {
    return gateway_server("PAYMENT", pay.base_url(), mail.base_url(),
                          {{"SHIPPING_SERVICE_URL", ship.base_url()},
                           {"SHIPPING_MOCK_URL", std::nullopt},
                           // Its own stream: other suites' servers share the test Redis, and their
                           // workers (other gateways, other settings) must not take these jobs.
                           {"JOB_STREAM", "jobs:order_jobs:" + unique_tag()},
                           {"JOB_MAX_ATTEMPTS", std::string{"3"}},
                           {"JOB_RETRY_BASE_MS", std::string{"100"}},
                           {"JOB_RETRY_MAX_MS", std::string{"400"}}});
  }
};

struct jobs_case {
  jobs_env& env;
  client c;

  jobs_case() : env(suite_env<jobs_env>::get()), c(env.server.base_url()) {
    env.pay.reset();
    env.ship.reset();
    env.mail.reset();
    // The document's gateways: payment created pending, then succeeded; shipment created.
    env.pay.expect(doc_create_expectation());
    env.pay.expect(doc_status_expectation());
    env.ship.expect(mock_answer("POST", "/api/v1/shipping/orders", 201, ship_order_reply));
  }

  /// The e-mail gateway accepts every e-mail (the notification cases install their own answers).
  void accept_emails() { env.mail.expect(email_queued_expectation()); }

  int64_t new_order(const account& who) {
    auto r = c.post("/api/orders/", order_body({{env.product, 2}}), who.access);
    REQUIRE_STATUS(r, 201);
    auto id = int_of(r.json, "id").value_or(0);
    BOOST_TEST_REQUIRE(id > 0);
    return id;
  }

  /// POST /process/ as `who`; requires the 202 and checks its body. The task's id.
  std::string start_processing(int64_t order_id, const account& who, const std::string& body = "") {
    auto r = c.post("/api/orders/" + std::to_string(order_id) + "/process/", body, who.access);
    REQUIRE_STATUS(r, 202);
    BOOST_TEST((keys_of(r.json) == std::set<std::string>{"task_id", "status", "order_id"}), r.body);
    BOOST_TEST(r.str("status") == "PENDING");
    BOOST_TEST(int_of(r.json, "order_id") == std::optional<int64_t>{order_id});
    BOOST_TEST(r.str("task_id").size() == 36u, "a UUID: " << r.body);
    return r.str("task_id");
  }

  /// POST /api/notifications/send/ as `who`; requires the 202. The task's id.
  std::string send_notification(int64_t order_id, const std::string& type, const account& who) {
    auto r = c.post("/api/notifications/send/",
                    json_object{{"order_id", order_id}, {"notification_type", type}}, who.access);
    REQUIRE_STATUS(r, 202);
    BOOST_TEST((keys_of(r.json) == std::set<std::string>{"task_id", "status"}), r.body);
    BOOST_TEST(r.str("status") == "PENDING");
    return r.str("task_id");
  }

  response order_of(int64_t id, const account& who) { return c.get("/api/orders/" + std::to_string(id) + "/", who.access); }
  response notifications(int64_t id) {
    return c.get("/api/notifications/order/" + std::to_string(id) + "/", env.owner.access);
  }
};

bool flag(const response& r, const char* name) {
  auto m = r.json.IsObject() ? r.json.FindMember(name) : r.json.MemberEnd();
  return r.json.IsObject() && m != r.json.MemberEnd() && m->value.IsBool() && m->value.GetBool();
}

/// The notifications of one type in a GET /api/notifications/order/{id}/ answer, as
/// "type/provider/status".
std::vector<std::string> listed(const response& r, const std::string& notification_type) {
  std::vector<std::string> out;
  if (!r.is_json || !r.json.IsArray())
    return out;
  for (const auto& n : r.json.GetArray())
    if (string_of(n, "notification_type") == notification_type)
      out.push_back(string_of(n, "type") + "/" + string_of(n, "provider") + "/" + string_of(n, "status"));
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(order_jobs, jobs_case, *boost::unit_test::fixture<suite_env<jobs_env>>())

// test_order_processing_workflow, with every effect checked.
BOOST_AUTO_TEST_CASE(processing_an_unpaid_order_reserves_charges_ships_and_moves_it_to_processing) {
  accept_emails();
  auto id = new_order(env.owner);
  auto task = start_processing(id, env.owner);

  auto done = wait_for_task(c, task, env.owner.access);
  BOOST_TEST_REQUIRE(final_status_of(done) == "SUCCESS", done.describe());
  BOOST_TEST_REQUIRE(done.json.HasMember("result"));
  const auto& result = done.json["result"];
  BOOST_TEST(int_of(result, "order_id") == std::optional<int64_t>{id}, done.body);
  BOOST_TEST(string_of(result, "status") == "processing", done.body);

  auto order = order_of(id, env.owner);
  REQUIRE_STATUS(order, 200);
  BOOST_TEST(order.str("status") == "processing", order.body);
  BOOST_TEST(order.str("payment_status") == "paid", order.body);
  BOOST_TEST(flag(order, "inventory_reserved"), order.body);
  BOOST_TEST(flag(order, "payment_processed"), order.body);
  BOOST_TEST(flag(order, "shipping_created"), order.body);

  BOOST_TEST(payment_rows(id) == "succeeded", "one payment, succeeded");
  BOOST_TEST(db_int("SELECT count(*) FROM shipments WHERE order_id = $1::bigint", {std::to_string(id)}) == 1);
  check_seen(env.pay, post_payments, 1, "one charge at the payment gateway");
  check_seen(env.ship, post_shipments, 1, "one booking at the carrier");
  // The order_confirmation e-mail, through the mock's verify (sent when the payment succeeded).
  BOOST_TEST(poll_until([&] { return env.mail.verify_times(confirmation_email_of(id), 1, 1).status == 202; }, 10s),
             "the order_confirmation e-mail of order " << id);
  auto n = notifications_of(c, id, env.owner.access, 1);
  BOOST_TEST((listed(n, "order_confirmation") == std::vector<std::string>{"email/generic/sent"}), n.describe());

  // Processed: a second /process/ is refused, and nothing more reaches the gateways.
  CHECK_ERROR(c.post("/api/orders/" + std::to_string(id) + "/process/", "", env.owner.access), 409, "invalid_order_state");
  check_seen(env.pay, post_payments, 1, "still one charge");
}

BOOST_AUTO_TEST_CASE(processing_a_paid_order_charges_nothing_and_a_token_in_the_body_is_the_one_charged) {
  accept_emails();
  // Paid first through /api/payments/process/: the task only ships and moves it on.
  auto paid = new_order(env.owner);
  REQUIRE_STATUS(c.post("/api/payments/process/", process_body(paid, "tok_paid_before"), env.owner.access), 200);
  auto task = start_processing(paid, env.owner);
  BOOST_TEST(final_status_of(wait_for_task(c, task, env.owner.access)) == "SUCCESS");
  BOOST_TEST(order_row(paid) == "processing/paid/true");
  check_seen(env.pay, post_payments, 1, "the buyer's charge only");

  // Unpaid, with a token in the body: the charge carries it.
  auto unpaid = new_order(env.owner);
  auto second = start_processing(unpaid, env.owner, R"({"payment_token":"tok_from_process"})");
  BOOST_TEST(final_status_of(wait_for_task(c, second, env.owner.access)) == "SUCCESS");
  auto sent = env.pay.recorded_requests(post_payments);
  BOOST_TEST_REQUIRE(sent.Size() == 2u);
  auto body = mock_request_body(sent[1]);
  BOOST_TEST(string_of(body, "payment_token") == "tok_from_process");
  BOOST_TEST(int_of(body, "order_id") == std::optional<int64_t>{unpaid});
}

BOOST_AUTO_TEST_CASE(a_declined_charge_fails_the_task_and_the_order_stays_unpaid) {
  accept_emails();
  env.pay.reset();
  env.pay.expect(doc_create_expectation());
  env.pay.expect(doc_status_expectation(doc_canceled_reply));
  auto id = new_order(env.owner);
  auto task = start_processing(id, env.owner);
  auto done = wait_for_task(c, task, env.owner.access);
  BOOST_TEST_REQUIRE(final_status_of(done) == "FAILURE", done.describe());
  BOOST_TEST(done.str("error").find("payment_failed") != std::string::npos, done.body);
  BOOST_TEST(order_row(id) == "pending/unpaid/false", "never paid without a succeeded payment");
  check_seen(env.ship, post_shipments, 0, "nothing shipped");
}

BOOST_AUTO_TEST_CASE(process_is_refused_for_other_users_unknown_and_cancelled_orders) {
  accept_emails();
  auto id = new_order(env.owner);
  auto path = "/api/orders/" + std::to_string(id) + "/process/";
  CHECK_ERROR(c.post(path, ""), 401, "not_authenticated");
  CHECK_ERROR(c.post(path, "", env.stranger.access), 404, "not_found");
  CHECK_ERROR(c.post("/api/orders/999999999/process/", "", env.owner.access), 404, "not_found");
  CHECK_FIELD_ERROR(c.post(path, R"({"payment_token":""})", env.owner.access), "payment_token");
  REQUIRE_STATUS(c.post("/api/orders/" + std::to_string(id) + "/cancel/", "", env.owner.access), 200);
  CHECK_ERROR(c.post(path, "", env.owner.access), 409, "invalid_order_state");
  check_seen(env.pay, payment_calls, 0, "no gateway call for a refused /process/");

  // Staff may process anyone's order; the task stays readable by its owner.
  auto theirs = new_order(env.owner);
  auto task = start_processing(theirs, env.staff);
  BOOST_TEST(final_status_of(wait_for_task(c, task, env.owner.access)) == "SUCCESS");
}

// test_notification_system_workflow, with the notification's fields and the task's key checked.
BOOST_AUTO_TEST_CASE(a_notification_is_sent_to_the_owner_and_listed) {
  env.mail.expect(email_queued_expectation());
  auto id = new_order(env.owner);
  auto task = send_notification(id, "order_created", env.owner);
  auto done = wait_for_task(c, task, env.owner.access);
  BOOST_TEST_REQUIRE(final_status_of(done) == "SUCCESS", done.describe());

  auto n = notifications(id);
  REQUIRE_STATUS(n, 200);
  BOOST_TEST((listed(n, "order_created") == std::vector<std::string>{"email/generic/sent"}), n.body);
  for (const auto& entry : n.json.GetArray())
    if (string_of(entry, "notification_type") == "order_created")
      BOOST_TEST(string_of(entry, "recipient") == env.owner.email);
  // document bug: _verify_email_service_called verified any POST /api/v1/emails/send, which any
  // other e-mail at the mock (a verification e-mail from the shared outbox) satisfies.
  const auto sent_email = email_of(env.owner.email, "order_created", id);
  CHECK_STATUS(env.mail.verify_times(sent_email, 1, -1), 202);
  auto sent = env.mail.recorded_requests(sent_email);
  BOOST_TEST_REQUIRE(sent.Size() == 1u);
  auto body = mock_request_body(sent[0]);
  BOOST_TEST(string_of(body, "to") == env.owner.email);
  BOOST_TEST(string_of(body, "template") == "order_created");
  BOOST_TEST(int_of(body, "order_id") == std::optional<int64_t>{id});
  BOOST_TEST(mock_first_header(sent[0], "Idempotency-Key") == task, "the send is keyed by the task");
}

BOOST_AUTO_TEST_CASE(notifications_send_validates_and_checks_the_owner) {
  auto id = new_order(env.owner);
  const std::string path = "/api/notifications/send/";
  CHECK_ERROR(c.post(path, json_object{{"order_id", id}, {"notification_type", "order_created"}}), 401,
              "not_authenticated");
  CHECK_FIELD_ERROR(c.post(path, json_object{{"notification_type", "order_created"}}, env.owner.access), "order_id");
  CHECK_FIELD_ERROR(c.post(path, R"({"order_id":")" + std::to_string(id) + R"(","notification_type":"order_created"})",
                           env.owner.access),
                    "order_id");
  CHECK_FIELD_ERROR(c.post(path, json_object{{"order_id", 0}, {"notification_type", "order_created"}}, env.owner.access),
                    "order_id");
  CHECK_FIELD_ERROR(c.post(path, json_object{{"order_id", id}}, env.owner.access), "notification_type");
  CHECK_FIELD_ERROR(c.post(path, json_object{{"order_id", id}, {"notification_type", "verify_email"}}, env.owner.access),
                    "notification_type");
  CHECK_ERROR(c.post(path, json_object{{"order_id", id}, {"notification_type", "order_created"}}, env.stranger.access),
              404, "not_found");
  CHECK_ERROR(c.post(path, json_object{{"order_id", 999999999}, {"notification_type", "order_created"}}, env.owner.access),
              404, "not_found");
  // Matched on the orders: the mock may meanwhile get verification e-mails from the shared outbox.
  check_seen(env.mail, about_order(id), 0, "nothing sent for a refused request");
  check_seen(env.mail, about_order(999999999), 0, "nothing sent for a missing order");
}

// Retries with a gateway that fails N times: 500, 500, then 202 -> SUCCESS on the third
// attempt, one notification, sent.
BOOST_AUTO_TEST_CASE(a_notification_whose_gateway_fails_twice_succeeds_on_the_third_attempt) {
  answer_options twice;
  twice.times = 2;
  env.mail.expect(mock_answer("POST", "/api/v1/emails/send", 500, R"({"error":"boom"})", twice));
  env.mail.expect(email_queued_expectation());
  auto id = new_order(env.owner);
  auto task = send_notification(id, "order_shipped", env.owner);
  auto done = wait_for_task(c, task, env.owner.access);
  BOOST_TEST_REQUIRE(final_status_of(done) == "SUCCESS", done.describe());
  const auto shipped = email_of(env.owner.email, "order_shipped", id);
  check_seen(env.mail, shipped, 3, "two refusals and the accepted send");
  auto attempts = env.mail.recorded_requests(shipped);
  for (const auto& sent : attempts.GetArray())
    BOOST_TEST(mock_first_header(sent, "Idempotency-Key") == task, "every attempt under the task's key");
  auto n = notifications(id);
  BOOST_TEST((listed(n, "order_shipped") == std::vector<std::string>{"email/generic/sent"}), n.body);
}

// ...and one that never accepts: FAILURE once the attempts run out, the notification failed.
BOOST_AUTO_TEST_CASE(a_notification_whose_gateway_keeps_failing_ends_in_failure) {
  env.mail.expect(mock_answer("POST", "/api/v1/emails/send", 500, R"({"error":"boom"})"));
  auto id = new_order(env.owner);
  auto task = send_notification(id, "order_refunded", env.owner);
  auto done = wait_for_task(c, task, env.owner.access);
  BOOST_TEST_REQUIRE(final_status_of(done) == "FAILURE", done.describe());
  BOOST_TEST(done.str("error").find("email_failed") != std::string::npos, done.body);
  check_seen(env.mail, email_of(env.owner.email, "order_refunded", id), 3, "JOB_MAX_ATTEMPTS sends");
  auto n = notifications(id);
  BOOST_TEST((listed(n, "order_refunded") == std::vector<std::string>{"email/generic/failed"}), n.body);
}

BOOST_AUTO_TEST_SUITE_END()
