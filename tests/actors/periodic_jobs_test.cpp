// The beat's periodic handlers, called as a worker calls them (a scoped actor on a real actor
// system, the real PostgreSQL), with scripted integration actors in place of the gateways: each
// has its effect, and running it again has none.
#include "actors/gateway_messages.hpp"
#include "actors/order_messages.hpp"
#include "actors/payment_messages.hpp"
#include "actors/periodic_jobs.hpp"
#include "fixture.hpp"
#include "persistence/shipment_repository.hpp"

#include <mutex>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

std::string tag(const std::string& what) {
  static std::atomic<int> n{0};
  return what + "-" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
}

/// What the scripted gateways were asked, and what they answer.
struct gateway_script {
  std::mutex mtx;
  integrations::gateway_outcome payment_answer = integrations::gateway_outcome::succeeded;
  std::string provider_payment_id;
  std::vector<std::string> charge_keys;       ///< charges and settles, by idempotency key
  std::vector<std::string> fetched_payments;  ///< status checks, by provider id
  integrations::tracking_result tracking;
  std::vector<int64_t> tracked_shipments;
  std::vector<integrations::email_message> emails;

  template <class T>
  size_t count(const std::vector<T>& v, const T& x) {
    std::lock_guard<std::mutex> guard{mtx};
    return static_cast<size_t>(std::count(v.begin(), v.end(), x));
  }
};
using script_ptr = std::shared_ptr<gateway_script>;

integrations::payment_result payment_answer(gateway_script& s) {
  integrations::payment_result r;
  r.outcome = s.payment_answer;
  if (s.payment_answer != integrations::gateway_outcome::timeout)
    r.provider_payment_id = s.provider_payment_id;
  r.outcome_unknown = s.payment_answer == integrations::gateway_outcome::timeout;
  if (s.payment_answer == integrations::gateway_outcome::pending)
    r.confirmation_url = "https://pay.example/confirm";
  return r;
}

caf::behavior scripted_payments(caf::event_based_actor*, script_ptr s) {
  return {
    [s](const actors::charge_payment& cmd) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->charge_keys.push_back(cmd.request.idempotency_key);
      return payment_answer(*s);
    },
    [s](const actors::settle_charge& cmd) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->charge_keys.push_back(cmd.request.idempotency_key);
      return payment_answer(*s);
    },
    [s](const actors::fetch_payment& cmd) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->fetched_payments.push_back(cmd.provider_payment_id);
      auto r = payment_answer(*s);
      r.provider_payment_id = cmd.provider_payment_id;
      return r;
    },
  };
}

caf::behavior scripted_shipping(caf::event_based_actor*, script_ptr s) {
  return {
    [s](const integrations::tracking_request& request) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->tracked_shipments.push_back(request.shipment_id);
      return s->tracking;
    },
  };
}

caf::behavior scripted_email(caf::event_based_actor*, script_ptr s) {
  return {
    [s](const integrations::email_message& m) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->emails.push_back(m);
      return integrations::send_result{true, ""};
    },
  };
}

struct jobs_fixture : actor_fixture {
  script_ptr script = std::make_shared<gateway_script>();
  actors::order_api orders;
  actors::periodic_job_deps deps;
  actors::job_registry registry;

  jobs_fixture() {
    auto base = commerce(std::chrono::seconds(1));
    actors::order_deps d;
    d.db = {db, db_workers, std::chrono::seconds(10)};
    d.restarts = {10, std::chrono::seconds(60)};
    d.catalog = base.catalog;
    d.reservation_ttl = std::chrono::seconds(1);
    d.sweep_interval = std::chrono::seconds(0);
    d.gateway_timeout = std::chrono::milliseconds(2000);
    d.gateways.payments = sys->spawn(scripted_payments, script);
    d.gateways.payment_provider = "generic";
    d.gateways.shipping = sys->spawn(scripted_shipping, script);
    d.gateways.shipping_provider = tag("scripted-carrier");  // only this test's shipments are tracked
    d.gateways.email = sys->spawn(scripted_email, script);
    d.gateways.email_provider = "scripted-mail";
    d.notifier = sys->spawn(
      [](caf::event_based_actor*, int) -> caf::behavior { return {[](const actors::send_order_email&) {}}; }, 0);
    orders = actors::spawn_order_supervisor(*sys, d);
    spawned.insert(spawned.end(), {caf::actor_cast<caf::actor>(orders), d.gateways.payments, d.gateways.shipping,
                                   d.gateways.email, d.notifier});
    deps.db = db;
    deps.orders = orders;
    deps.gateways = d.gateways;
    deps.call_timeout = std::chrono::seconds(10);
    deps.reconcile_min_age = std::chrono::seconds(0);
    deps.pending_min_age = std::chrono::seconds(0);
    deps.tracking_min_age = std::chrono::seconds(0);
    deps.cart_reminder_after = std::chrono::seconds(86400);
    actors::add_periodic_jobs(registry, deps);
  }

  /// Runs the handler of `type` as a worker would.
  actors::job_outcome run(const std::string& type) {
    auto handler = registry.find(type);
    BOOST_REQUIRE_MESSAGE(handler, "no handler for " << type);
    caf::scoped_actor self{*sys};
    auto out = (*handler)(actors::job{tag("task"), type, "{}", 1}, self);
    BOOST_TEST_MESSAGE(type << " -> " << out.result << out.error);
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(periodic_jobs, jobs_fixture)

BOOST_AUTO_TEST_CASE(reservations_release_frees_expired_stock_once) {
  auto user = insert_user(unique_email("release"));
  auto product = insert_product(3);
  auto id = ask<actors::order_reply>(orders, order_for(user, product, 2)).order.id;
  BOOST_TEST(stock_of(product) == 1);
  std::this_thread::sleep_for(1200ms);
  auto first = run(actors::job_types::release_reservations);
  BOOST_TEST_REQUIRE((first.what == actors::job_outcome::kind::success), first.error);
  BOOST_TEST(first.result.find("\"released_orders\":") != std::string::npos, first.result);
  BOOST_TEST(first.result.find("\"released_orders\":0") == std::string::npos, first.result);
  BOOST_TEST(stock_of(product) == 3);
  // The order's actor shows it at once (the supervisor dropped its cached state).
  BOOST_TEST(to_string(ask<actors::order_reply>(orders, actors::get_order{id, {user, false}}).order.status) == "cancelled");

  auto again = run(actors::job_types::release_reservations);
  BOOST_TEST((again.what == actors::job_outcome::kind::success));
  BOOST_TEST(stock_of(product) == 3);
  BOOST_TEST(ledger_of(product) == 3);
  BOOST_TEST(scalar("SELECT count(*) FROM inventory_ledger WHERE order_id = $1::bigint AND reason = 'reservation_expired'",
                    {std::to_string(id)}) == 1);
}

BOOST_AUTO_TEST_CASE(payments_reconcile_settles_unknown_charges_under_their_key) {
  script->provider_payment_id = tag("pay_reconcile");
  auto user = insert_user(unique_email("reconcile"));
  auto id = ask<actors::order_reply>(orders, order_for(user, insert_product(5))).order.id;
  auto sid = std::to_string(id);
  script->payment_answer = integrations::gateway_outcome::timeout;
  actors::process_payment pay;
  pay.order_id = id;
  pay.who = {user, false};
  pay.payment_token = "tok_reconcile";
  auto first = ask<actors::payment_reply>(orders, pay);
  BOOST_TEST_REQUIRE(to_string(first.payment.status) == "unknown");
  auto key = first.payment.idempotence_key;

  script->payment_answer = integrations::gateway_outcome::succeeded;
  auto out = run(actors::job_types::reconcile_payments);
  BOOST_TEST_REQUIRE((out.what == actors::job_outcome::kind::success), out.error);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND payment_status = 'paid'", {sid}) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'", {sid}) == 1);
  auto asked = script->count(script->charge_keys, key);
  BOOST_TEST(asked == 2u, "the charge and one settle under its key");

  // Settled: the next run leaves it alone.
  run(actors::job_types::reconcile_payments);
  BOOST_TEST(script->count(script->charge_keys, key) == asked);
  BOOST_TEST(scalar("SELECT count(*) FROM payments WHERE order_id = $1::bigint", {sid}) == 1);
}

BOOST_AUTO_TEST_CASE(payments_poll_pending_settles_a_payment_the_buyer_confirmed_elsewhere) {
  script->provider_payment_id = tag("pay_poll");
  auto user = insert_user(unique_email("poll"));
  auto id = ask<actors::order_reply>(orders, order_for(user, insert_product(5))).order.id;
  auto sid = std::to_string(id);
  script->payment_answer = integrations::gateway_outcome::pending;
  actors::process_payment create;
  create.order_id = id;
  create.who = {user, false};
  create.two_step = true;
  create.return_url = "https://shop.example/back";
  auto created = ask<actors::payment_reply>(orders, create);
  BOOST_TEST_REQUIRE(created.error.ok(), created.error.message);
  BOOST_TEST_REQUIRE(to_string(created.payment.status) == "pending");

  // Still pending at the provider: polled, nothing changes.
  run(actors::job_types::poll_pending_payments);
  BOOST_TEST(script->count(script->fetched_payments, script->provider_payment_id) == 1u);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND payment_status = 'pending'", {sid}) == 1);

  // The buyer paid (no webhook came): the next poll settles it, once.
  script->payment_answer = integrations::gateway_outcome::succeeded;
  auto out = run(actors::job_types::poll_pending_payments);
  BOOST_TEST_REQUIRE((out.what == actors::job_outcome::kind::success), out.error);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND payment_status = 'paid'", {sid}) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'", {sid}) == 1);
  run(actors::job_types::poll_pending_payments);
  BOOST_TEST(script->count(script->fetched_payments, script->provider_payment_id) == 2u, "a settled payment was polled");
}

BOOST_AUTO_TEST_CASE(shipments_refresh_tracking_records_the_carriers_events_until_delivered) {
  auto user = insert_user(unique_email("tracking"));
  auto order = ask<actors::order_reply>(orders, order_for(user, insert_product(5))).order.id;
  auto shipment = scalar("INSERT INTO shipments (order_id, service, status, provider, provider_shipment_id, tracking_number, "
                         "recipient) VALUES ($1::bigint, 'standard', 'created', $2, 'ship_scripted', 'TRACK1', '{}') "
                         "RETURNING id",
                         {std::to_string(order), deps.gateways.shipping_provider});
  script->tracking.outcome = integrations::gateway_outcome::succeeded;
  script->tracking.status = "in_transit";
  script->tracking.events = {{"created", "2026-03-01T10:00:00Z", "Moscow"}, {"in_transit", "2026-03-02T08:30:00Z", "Tver \"Hub\""}};
  auto out = run(actors::job_types::refresh_tracking);
  BOOST_TEST_REQUIRE((out.what == actors::job_outcome::kind::success), out.error);
  BOOST_TEST(out.result.find("\"updated\":1") != std::string::npos, out.result);
  std::optional<persistence::shipment_record> s;
  {
    auto c = db->acquire();
    s = persistence::find_shipment(*c, shipment);
  }
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->status == "in_transit");
  BOOST_TEST(s->events_json.find("Tver \\\"Hub\\\"") != std::string::npos, s->events_json);
  BOOST_TEST(scalar("SELECT count(*) FROM shipments WHERE id = $1::bigint AND tracking_events = $2::jsonb",
                    {std::to_string(shipment),
                     std::string{"[{\"status\":\"created\",\"time\":\"2026-03-01T10:00:00Z\",\"location\":\"Moscow\"},"
                                 "{\"status\":\"in_transit\",\"time\":\"2026-03-02T08:30:00Z\",\"location\":\"Tver \\\"Hub\\\"\"}]"}}) == 1,
             s->events_json);

  script->tracking.status = "delivered";
  script->tracking.events.push_back({"delivered", "2026-03-03T12:00:00Z", "Tver"});
  run(actors::job_types::refresh_tracking);
  BOOST_TEST(scalar("SELECT count(*) FROM shipments WHERE id = $1::bigint AND status = 'delivered' "
                    "AND jsonb_array_length(tracking_events) = 3",
                    {std::to_string(shipment)}) == 1);
  // Delivered: the carrier is not asked again.
  run(actors::job_types::refresh_tracking);
  BOOST_TEST(script->count(script->tracked_shipments, shipment) == 2u);
}

BOOST_AUTO_TEST_CASE(a_carrier_without_tracking_is_skipped) {
  auto user = insert_user(unique_email("untracked"));
  auto order = ask<actors::order_reply>(orders, order_for(user, insert_product(5))).order.id;
  auto shipment = scalar("INSERT INTO shipments (order_id, service, status, provider, tracking_number, recipient) "
                         "VALUES ($1::bigint, 'standard', 'created', $2, 'RP123', '{}') RETURNING id",
                         {std::to_string(order), deps.gateways.shipping_provider});
  script->tracking = {};
  script->tracking.unsupported = true;
  auto out = run(actors::job_types::refresh_tracking);
  BOOST_TEST_REQUIRE((out.what == actors::job_outcome::kind::success), out.error);
  BOOST_TEST(out.result.find("\"supported\":false") != std::string::npos, out.result);
  BOOST_TEST(scalar("SELECT count(*) FROM shipments WHERE id = $1::bigint AND status = 'created' "
                    "AND tracking_events = '[]'::jsonb",
                    {std::to_string(shipment)}) == 1);
}

BOOST_AUTO_TEST_CASE(carts_remind_abandoned_sends_one_reminder_per_cart_change) {
  auto email = unique_email("abandoned");
  auto user = insert_user(email);
  auto fresh_email = unique_email("fresh-cart");
  auto fresh = insert_user(fresh_email);
  auto product = insert_product(5);
  sql("INSERT INTO cart_items (user_id, product_id, quantity, updated_at) VALUES ($1::bigint, $2::bigint, 2, "
      "now() - interval '2 days')",
      {std::to_string(user), std::to_string(product)});
  sql("INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1::bigint, $2::bigint, 1)",
      {std::to_string(fresh), std::to_string(product)});
  auto sent_to = [&](const std::string& to) {
    std::lock_guard<std::mutex> guard{script->mtx};
    return std::count_if(script->emails.begin(), script->emails.end(), [&](const auto& m) { return m.to == to; });
  };

  auto out = run(actors::job_types::remind_abandoned_carts);
  BOOST_TEST_REQUIRE((out.what == actors::job_outcome::kind::success), out.error);
  BOOST_TEST(sent_to(email) == 1);
  BOOST_TEST(sent_to(fresh_email) == 0, "a cart changed a moment ago got a reminder");
  {
    std::lock_guard<std::mutex> guard{script->mtx};
    auto it = std::find_if(script->emails.begin(), script->emails.end(), [&](const auto& m) { return m.to == email; });
    BOOST_TEST(it->template_name == "abandoned_cart");
    BOOST_TEST(it->data.at("units") == "2");
  }
  BOOST_TEST(scalar("SELECT count(*) FROM cart_reminders WHERE user_id = $1::bigint AND status = 'sent'",
                    {std::to_string(user)}) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM notifications WHERE user_id = $1::bigint AND notification_type = 'abandoned_cart' "
                    "AND status = 'sent' AND order_id IS NULL",
                    {std::to_string(user)}) == 1);

  // Fired again (or redelivered): the same cart is not reminded twice.
  run(actors::job_types::remind_abandoned_carts);
  BOOST_TEST(sent_to(email) == 1);

  // The cart changed since (and was left again): one more.
  sql("UPDATE cart_items SET quantity = 3, updated_at = now() - interval '1 day 1 hour' WHERE user_id = $1::bigint",
      {std::to_string(user)});
  run(actors::job_types::remind_abandoned_carts);
  BOOST_TEST(sent_to(email) == 2);
  run(actors::job_types::remind_abandoned_carts);
  BOOST_TEST(sent_to(email) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
