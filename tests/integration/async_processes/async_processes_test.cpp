// The document's TestAsyncProcessesIntegration (section 5): background work started over HTTP,
// run by the stack's separate worker process (the document's celery-worker) and polled through
// GET /api/tasks/{id}/status/ until done, then its effects checked through the API and at the
// mocks. The document's bugs are fixed where they were (API.md §7.4-§7.6, §7.9, §7.10), each
// marked "document bug:".
// document bug: settings and requests were used without imports, and settings.EMAIL_SERVICE_URL
// was the Django settings of an app that runs elsewhere; the mocks' URLs come from the
// environment (integration_env.hpp), and celery's unused AsyncResult import is gone.
#include "tests/integration/base/integration_base.hpp"

#include <algorithm>

using namespace integration;
using http_test::json_object;
using http_test::string_of;

namespace {

std::string order_path(int64_t id) { return "/api/orders/" + std::to_string(id) + "/"; }

bool flag(const http_test::response& r, const char* key) {
  return r.json.IsObject() && r.json.HasMember(key) && r.json[key].IsBool() && r.json[key].GetBool();
}

/// The document's _create_test_order: a signed-in buyer's order of two of one fresh product.
// document bug: _create_test_order was defined only in TestPaymentIntegration and called here.
struct order_fixture {
  session buyer;
  session staff = staff_session();
  test_product product;
  int64_t order_id = 0;

  explicit order_fixture(const std::string& tag) {
    buyer.sign_up(tag);
    product = product_factory{staff}.create("Async " + tag, "150.00", 10);
    order_id = order_factory{buyer}.create_id({{product.id, 2}});
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(async_processes_workflows)

BOOST_AUTO_TEST_CASE(test_order_processing_workflow, *boost::unit_test::label("flow.order_fulfillment") *
                                                         boost::unit_test::label("module.orders_payments") *
                                                         boost::unit_test::label("module.products_orders")) {
  order_fixture f{"processing"};
  auto before = f.buyer.get(order_path(f.order_id));
  REQUIRE_STATUS(before, 200);
  BOOST_TEST(before.str("payment_status") == "unpaid");
  BOOST_TEST(!flag(before, "shipping_created"));
  BOOST_TEST(stock_of(f.buyer, f.product.id) == 8, "the order reserves its stock when it is created");

  // document bug: /process/ runs on an unpaid order and then expects payment_processed; the task
  // charges the gateway itself (API.md §3.4), and books the shipment.
  auto started = f.buyer.post(order_path(f.order_id) + "process/");
  REQUIRE_STATUS(started, 202);
  auto task_id = accepted_task_id(started);
  BOOST_TEST(http_test::int_of(started.json, "order_id") == std::optional<int64_t>{f.order_id});

  auto task = wait_for_task(f.buyer, task_id);
  BOOST_TEST_REQUIRE(task.str("status") == "SUCCESS", task.describe());
  BOOST_TEST(string_of(task.json["result"], "status") == "processing", task.describe());

  // Every step happened, and is visible in the order.
  auto processed = read_until(f.buyer, order_path(f.order_id),
                              [](const http_test::response& r) { return r.str("status") != "pending"; });
  REQUIRE_STATUS(processed, 200);
  BOOST_TEST(processed.str("status") == "processing");
  BOOST_TEST(flag(processed, "inventory_reserved"), processed.describe());
  BOOST_TEST(flag(processed, "payment_processed"), processed.describe());
  BOOST_TEST(flag(processed, "shipping_created"), processed.describe());
  BOOST_TEST(processed.str("payment_status") == "paid");
  BOOST_TEST(stock_of(f.buyer, f.product.id) == 8, "processing must not take the stock twice");
  // ...and at the gateways: one charge and one shipment booked for this order.
  CHECK_STATUS(payment_mock{}.verify_charged(f.order_id, 1, 1), 202);
  CHECK_STATUS(shipping_mock{}.verify_shipment_booked(f.order_id, 1, 1), 202);

  // A processed order cannot be processed again.
  CHECK_ERROR(f.buyer.post(order_path(f.order_id) + "process/"), 409, "invalid_order_state");
}

BOOST_AUTO_TEST_CASE(a_failing_gateway_fails_the_task_and_leaves_the_order_retryable,
                     *boost::unit_test::label("flow.order_fulfillment") *
                       boost::unit_test::label("module.orders_payments")) {
  order_fixture f{"processing-fails"};
  payment_mock payments;
  scoped_expectations scope{payments};
  payments.expect_create_for_order(scope, f.order_id, 500, json_object{{"error", "gateway down"}});

  auto task = wait_for_task(f.buyer, accepted_task_id(f.buyer.post(order_path(f.order_id) + "process/")));
  BOOST_TEST(task.str("status") == "FAILURE", task.describe());
  BOOST_TEST(!task.str("error").empty(), task.describe());
  auto order = f.buyer.get(order_path(f.order_id));
  REQUIRE_STATUS(order, 200);
  BOOST_TEST(order.str("status") == "pending", order.describe());
  // A 5xx leaves the charge's outcome unknown (API.md §5): the order shows it as pending until
  // it is settled, never as paid.
  auto payment_status = order.str("payment_status");
  BOOST_TEST((payment_status == "unpaid" || payment_status == "pending"), order.describe());
  BOOST_TEST(!flag(order, "payment_processed"), order.describe());
  BOOST_TEST(!flag(order, "shipping_created"), "no shipment for an order whose charge failed: " << order.describe());
  CHECK_STATUS(shipping_mock{}.verify_shipment_booked(f.order_id, 0, 0), 202);
}

BOOST_AUTO_TEST_CASE(test_inventory_management_workflow, *boost::unit_test::label("flow.inventory_sync")) {
  auto staff = staff_session();
  // document bug: _create_test_products(count=3) was not defined in this class, and the only
  // definition took no count; the shared factory does.
  auto products = product_factory{staff}.create_many(3);
  // document bug: there was no warehouse to sync from, so products_synced could only count what
  // the app already had; the inventory mock serves a feed with new stock for our three products
  // and one line for a SKU nobody sells.
  inventory_mock feed;
  scoped_expectations scope{feed};
  std::vector<std::pair<std::string, int>> lines;
  for (size_t i = 0; i < products.size(); ++i)
    lines.emplace_back(products[i].sku, 20 + static_cast<int>(i));
  lines.emplace_back("INT-UNKNOWN-" + unique_tag(), 7);
  feed.expect_feed(scope, lines);

  auto started = staff.post("/api/inventory/sync/");
  REQUIRE_STATUS(started, 202);
  auto task = wait_for_task(staff, accepted_task_id(started));
  BOOST_TEST_REQUIRE(task.str("status") == "SUCCESS", task.describe());

  auto status = staff.get("/api/inventory/status/");
  REQUIRE_STATUS(status, 200);
  BOOST_TEST_REQUIRE(status.json["last_sync"].IsString(), status.describe());
  BOOST_TEST(http_test::is_iso8601_utc(status.json["last_sync"].GetString()), status.describe());
  BOOST_TEST(http_test::int_of(status.json, "products_synced").value_or(-1) >= static_cast<int64_t>(products.size()),
             status.describe());
  for (size_t i = 0; i < products.size(); ++i)
    BOOST_TEST(stock_of(staff, products[i].id) == 20 + static_cast<int64_t>(i), "stock of " << products[i].sku);
  CHECK_STATUS(feed.verify_times(request_matcher("GET", "/api/v1/inventory"), 1), 202);

  // document bug: sync and status were called anonymously; they are staff work.
  session customer;
  customer.sign_up("inventory");
  CHECK_ERROR(customer.post("/api/inventory/sync/"), 403, "permission_denied");
}

BOOST_AUTO_TEST_CASE(test_notification_system_workflow, *boost::unit_test::label("flow.order_fulfillment")) {
  order_fixture f{"notify"};
  auto email = f.buyer.user().email;
  email_mock mail;
  scoped_expectations scope{mail};
  // document bug: no expectation was set on the e-mail mock, so it answered 404 and the server
  // counted the e-mail as failed; this buyer's e-mails are accepted with 202.
  mail.expect_send_to(scope, email, 202);

  auto started = f.buyer.post("/api/notifications/send/",
                              json_object{{"order_id", f.order_id}, {"notification_type", "order_created"}});
  REQUIRE_STATUS(started, 202);
  auto task = wait_for_task(f.buyer, accepted_task_id(started));
  BOOST_TEST_REQUIRE(task.str("status") == "SUCCESS", task.describe());

  auto notifications = f.buyer.get("/api/notifications/order/" + std::to_string(f.order_id) + "/");
  REQUIRE_STATUS(notifications, 200);
  BOOST_TEST_REQUIRE(notifications.json.IsArray(), notifications.describe());
  BOOST_TEST(notifications.json.Size() > 0u, notifications.describe());
  const auto& list = notifications.json.GetArray();
  BOOST_TEST(std::any_of(list.begin(), list.end(),
                         [&](const rapidjson::Value& n) {
                           return string_of(n, "type") == "email" && string_of(n, "notification_type") == "order_created" &&
                                  string_of(n, "status") == "sent" && string_of(n, "recipient") == email;
                         }),
             notifications.describe());
  // document bug: verifying "POST /api/v1/emails/send at least once" passed on any e-mail to
  // anyone (MockServer records unmatched requests too); this checks one e-mail, to this buyer,
  // for this order, with this template.
  CHECK_STATUS(mail.verify_sent(email, "order_created", f.order_id, 1, 1), 202);
}

BOOST_AUTO_TEST_CASE(a_refused_email_fails_the_notification_task, *boost::unit_test::label("flow.order_fulfillment")) {
  order_fixture f{"notify-refused"};
  auto email = f.buyer.user().email;
  email_mock mail;
  scoped_expectations scope{mail};
  mail.expect_send_to(scope, email, 503);

  auto task = wait_for_task(f.buyer, accepted_task_id(f.buyer.post(
                                       "/api/notifications/send/",
                                       json_object{{"order_id", f.order_id}, {"notification_type", "order_created"}})));
  BOOST_TEST(task.str("status") == "FAILURE", task.describe());
  auto notifications = f.buyer.get("/api/notifications/order/" + std::to_string(f.order_id) + "/");
  REQUIRE_STATUS(notifications, 200);
  const auto& list = notifications.json.GetArray();
  BOOST_TEST(std::any_of(list.begin(), list.end(),
                         [&](const rapidjson::Value& n) {
                           return string_of(n, "notification_type") == "order_created" &&
                                  string_of(n, "status") == "failed";
                         }),
             notifications.describe());
}

BOOST_AUTO_TEST_SUITE_END()
