// inventory.sync (actors/inventory_jobs.hpp) run as a worker runs it: the handler called with a
// scoped actor, on a real actor system and PostgreSQL, the feed pages served by commerce-mock's
// own server (in this process) through the generic provider and the inventory integration actor.
#include "actors/gateway_actors.hpp"
#include "actors/inventory_jobs.hpp"
#include "fixture.hpp"
#include "integrations/email_gateway.hpp"
#include "integrations/mock/mock_server.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/shipping_gateway.hpp"
#include "tests/http/support/process.hpp"

using namespace commerce;
using namespace commerce::testing;

namespace {

std::string uuid_like(int n) {
  static std::atomic<int> counter{0};
  return "00000000-0000-4000-8000-" + std::to_string(100000000000 + getpid() * 1000 + counter++ * 10 + n);
}

/// A feed page expectation: GET /api/v1/inventory?page=N answered with `body`.
std::string page_expectation(int page, const std::string& body) {
  std::string escaped;
  for (char ch : body) {
    if (ch == '"' || ch == '\\')
      escaped += '\\';
    escaped += ch;
  }
  return R"({"httpRequest":{"method":"GET","path":"/api/v1/inventory","queryStringParameters":{"page":[")" +
         std::to_string(page) + R"("]}},"httpResponse":{"statusCode":200,"body":")" + escaped + R"("}})";
}

struct feed_fixture : actor_fixture {
  uint16_t port = static_cast<uint16_t>(http_test::free_port());
  mock::mock_server feed_server{"127.0.0.1", port, 2};
  std::shared_ptr<integrations::gateway_client> client =
    std::make_shared<integrations::gateway_client>(integrations::client_settings{});
  commerce_node node = commerce();
  actors::gateway_actors gateways;

  feed_fixture() {
    feed_server.start();
    gateways = spawn_with_feed("http://127.0.0.1:" + std::to_string(port));
  }
  ~feed_fixture() { feed_server.stop(); }

  /// The integration actors, the inventory feed reading `url` (the others point nowhere: unused).
  actors::gateway_actors spawn_with_feed(const std::string& url) {
    const std::string nowhere = "http://127.0.0.1:9";
    actors::gateway_providers p;
    p.payments = integrations::make_payment_gateway("generic", nowhere, client, {});
    p.shipping = integrations::make_shipping_gateway("generic", nowhere, client);
    p.email = integrations::make_email_gateway("generic", nowhere, client, {});
    p.inventory = integrations::make_inventory_gateway("generic", url, client);
    auto out = actors::spawn_gateway_actors(*sys, p, 2, client);
    for (const auto& a : out.all())
      spawned.push_back(a);
    return out;
  }

  actors::inventory_job_deps deps(bool with_feed = true) {
    actors::inventory_job_deps d;
    d.catalog = node.catalog;
    if (with_feed)
      d.feed = gateways.inventory;
    d.reconcile_batch = 2;  // several batches even with few products
    return d;
  }

  actors::job_outcome run(const actors::inventory_job_deps& d, const std::string& job_id) {
    caf::scoped_actor self{*sys};
    actors::job j{job_id, actors::job_types::sync_inventory, "{}", 1};
    return actors::run_inventory_sync(j, self, d);
  }

  std::string sku_of(int64_t id) {
    auto c = db->acquire();
    return c->exec("SELECT sku FROM products WHERE id = $1::bigint", {std::to_string(id)}).str(0, 0);
  }

  int64_t ledger_rows(int64_t id) {
    return scalar("SELECT count(*) FROM inventory_ledger WHERE product_id = $1::bigint", {std::to_string(id)});
  }

  persistence::inventory_sync_status status() {
    return ask<actors::inventory_status_reply>(node.catalog, actors::get_inventory_status{}).status;
  }

  /// An order of `units` of `product` by a fresh user: its units are reserved.
  int64_t order(int64_t product, int units) {
    actors::place_order cmd;
    cmd.order.user_id = insert_user(unique_email("inventory"));
    cmd.order.items = {{product, units}};
    persistence::postal_address a{"Ann", "Lee", "Tverskaya 1", "Moscow", "101000", "RU"};
    cmd.order.shipping_address = a;
    cmd.order.billing_address = a;
    cmd.order.payment_method = "card";
    cmd.order.shipping_method = "standard";
    auto r = ask<actors::order_reply>(node.orders, cmd);
    BOOST_TEST_REQUIRE(!r.error, r.error.message);
    return r.order.id;
  }
};

bool succeeded(const actors::job_outcome& o) { return o.what == actors::job_outcome::kind::success; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(inventory_sync, feed_fixture)

BOOST_AUTO_TEST_CASE(feed_counts_are_applied_and_reserved_units_stay_reserved) {
  auto reserved = insert_product(10);
  auto plain = insert_product(5);
  auto order_id = order(reserved, 3);
  BOOST_TEST(stock_of(reserved) == 7);
  feed_server.load_stubs(page_expectation(
    1, R"({"items":[{"sku":")" + sku_of(reserved) + R"(","quantity":20},{"sku":"NO-SUCH-SKU-1","quantity":4},)"
       R"({"sku":"x","quantity":-2}],"next_page":2})"));
  feed_server.load_stubs(page_expectation(2, R"({"items":[{"sku":")" + sku_of(plain) + R"(","quantity":2}],"next_page":null})"));

  auto outcome = run(deps(), uuid_like(1));
  BOOST_TEST_REQUIRE(succeeded(outcome), outcome.error);
  // The warehouse holds 20, of which 3 belong to the open order: 17 may still be sold.
  BOOST_TEST(stock_of(reserved) == 17);
  BOOST_TEST(stock_of(plain) == 2);
  BOOST_TEST(scalar("SELECT inventory_reserved::int FROM orders WHERE id = $1::bigint", {std::to_string(order_id)}) == 1);
  BOOST_TEST(ledger_of(reserved) == 17);
  BOOST_TEST(ledger_of(plain) == 2);
  auto s = status();
  BOOST_TEST(s.last_sync.has_value());
  BOOST_TEST(s.products_synced == 2);
  BOOST_TEST(s.errors == 2);  // the unknown SKU and the bad line
  BOOST_TEST(s.error_messages.size() == 2u);
  BOOST_TEST((s.last_attempt_ok == std::optional<bool>{true}));
  BOOST_TEST(outcome.result.find("\"products_synced\":2") != std::string::npos, outcome.result);

  // Cancelling the order afterwards gives its units back on top of the synced level.
  BOOST_TEST(!ask<actors::order_reply>(node.orders, actors::cancel_order{order_id, {0, true}}).error);
  BOOST_TEST(stock_of(reserved) == 20);
}

BOOST_AUTO_TEST_CASE(a_redelivered_sync_applies_the_same_levels_once) {
  auto product = insert_product(40);
  order(product, 5);
  feed_server.load_stubs(page_expectation(1, R"({"items":[{"sku":")" + sku_of(product) + R"(","quantity":30}],"next_page":null})"));
  auto job_id = uuid_like(2);
  BOOST_TEST_REQUIRE(succeeded(run(deps(), job_id)));
  BOOST_TEST(stock_of(product) == 25);
  auto rows = ledger_rows(product);
  // The worker died before its ack: the same job runs again. Nothing moves a second time.
  BOOST_TEST_REQUIRE(succeeded(run(deps(), job_id)));
  BOOST_TEST(stock_of(product) == 25);
  BOOST_TEST(ledger_rows(product) == rows);
  BOOST_TEST(ledger_of(product) == 25);
}

BOOST_AUTO_TEST_CASE(a_count_below_the_reservations_sets_zero_never_negative) {
  auto product = insert_product(10);
  order(product, 6);
  feed_server.load_stubs(page_expectation(1, R"({"items":[{"sku":")" + sku_of(product) + R"(","quantity":4}]})"));
  BOOST_TEST_REQUIRE(succeeded(run(deps(), uuid_like(3))));
  BOOST_TEST(stock_of(product) == 0);
  auto s = status();
  BOOST_TEST(s.errors == 1);
  BOOST_TEST_REQUIRE(s.error_messages.size() == 1u);
  BOOST_TEST(s.error_messages[0].find("reserve 6") != std::string::npos, s.error_messages[0]);
}

BOOST_AUTO_TEST_CASE(an_unreachable_feed_is_retried_and_shows_in_the_status) {
  auto product = insert_product(8);
  auto before = status();
  auto d = deps();
  d.feed = spawn_with_feed("http://127.0.0.1:9").inventory;  // nothing listens there
  auto outcome = run(d, uuid_like(4));
  BOOST_TEST(static_cast<int>(outcome.what) == static_cast<int>(actors::job_outcome::kind::retry));
  BOOST_TEST(outcome.error.find("inventory feed page 1") != std::string::npos, outcome.error);
  BOOST_TEST(stock_of(product) == 8);
  auto s = status();
  BOOST_TEST((s.last_attempt_ok == std::optional<bool>{false}));
  BOOST_TEST((s.last_sync == before.last_sync));  // a failed attempt is not a sync
  BOOST_TEST_REQUIRE(s.error_messages.size() == 1u);
  BOOST_TEST(s.error_messages[0].find("inventory feed page 1") != std::string::npos, s.error_messages[0]);
}

BOOST_AUTO_TEST_CASE(without_a_feed_stock_is_reconciled_with_the_ledger) {
  auto moved_outside = insert_product(10);
  auto fine = insert_product(4);
  order(fine, 1);
  // Stock changed behind the ledger's back (a manual UPDATE): the ledger no longer adds up.
  sql("UPDATE products SET quantity = 12 WHERE id = $1::bigint", {std::to_string(moved_outside)});
  BOOST_TEST(ledger_of(moved_outside) == 10);
  auto outcome = run(deps(false), uuid_like(5));
  BOOST_TEST_REQUIRE(succeeded(outcome), outcome.error);
  BOOST_TEST(stock_of(moved_outside) == 12);  // what was sold against stays
  BOOST_TEST(ledger_of(moved_outside) == 12);
  BOOST_TEST(stock_of(fine) == 3);
  BOOST_TEST(ledger_of(fine) == 3);
  auto s = status();
  BOOST_TEST(s.products_synced == s.total_products);
  BOOST_TEST((s.source == std::optional<std::string>{"ledger"}));
  bool named = false;
  for (const auto& m : s.error_messages)
    named = named || m.find(sku_of(moved_outside)) != std::string::npos;
  BOOST_TEST(named);
  // Again: everything adds up now, nothing is booked twice.
  auto rows = ledger_rows(moved_outside);
  BOOST_TEST_REQUIRE(succeeded(run(deps(false), uuid_like(6))));
  BOOST_TEST(ledger_rows(moved_outside) == rows);
}

BOOST_AUTO_TEST_CASE(syncs_racing_orders_keep_count_equal_to_stock_plus_reservations) {
  auto product = insert_product(50);
  feed_server.load_stubs(page_expectation(1, R"({"items":[{"sku":")" + sku_of(product) + R"(","quantity":30}]})"));
  std::vector<int64_t> users;
  for (int i = 0; i < 20; ++i)
    users.push_back(insert_user(unique_email("race")));
  std::atomic<int> placed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      actors::place_order cmd;
      cmd.order.user_id = users[i];
      cmd.order.items = {{product, 1}};
      persistence::postal_address a{"Ann", "Lee", "Tverskaya 1", "Moscow", "101000", "RU"};
      cmd.order.shipping_address = a;
      cmd.order.billing_address = a;
      cmd.order.payment_method = "card";
      cmd.order.shipping_method = "standard";
      caf::scoped_actor self{*sys};
      self->request(node.orders, std::chrono::seconds(15), cmd)
        .receive([&](actors::order_reply& r) { placed += r.error ? 0 : 1; }, [](caf::error&) {});
    });
  std::atomic<int> synced{0};
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] { synced += succeeded(run(deps(), uuid_like(10 + i))) ? 1 : 0; });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(placed == 20);
  BOOST_TEST(synced == 3);
  // However the syncs and the orders interleaved, each sync saw every order either fully (its
  // units reserved) or not at all (it reserved from the synced level afterwards): the
  // warehouse's 30 = stock + the 20 reserved. A stale reservation count would leave more.
  BOOST_TEST(stock_of(product) == 10);
  BOOST_TEST(ledger_of(product) == 10);
}

BOOST_AUTO_TEST_SUITE_END()
