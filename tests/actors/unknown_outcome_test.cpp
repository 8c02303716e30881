// Unknown gateway outcomes through the order actors (API.md §5), with a scripted payment
// gateway actor in place of the integration actor and the real database: the settle function a
// reconciliation job calls (settle_unknown_atom), and the cancel guard on payment_status.
#include "actors/gateway_messages.hpp"
#include "actors/order_messages.hpp"
#include "actors/payment_messages.hpp"
#include "fixture.hpp"
#include "persistence/payment_repository.hpp"

#include <mutex>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

/// What the scripted provider was asked: the idempotency keys of charges and refunds.
struct provider_log {
  std::mutex mtx;
  std::vector<std::string> charge_keys, refund_keys;
  integrations::gateway_outcome answer = integrations::gateway_outcome::succeeded;
};

/// A payment integration actor that answers every charge and refund with `log->answer`.
caf::behavior scripted_provider(caf::event_based_actor*, std::shared_ptr<provider_log> log) {
  return {
    [log](const actors::settle_charge& cmd) {  // no lookup by order here: the same request again
      std::lock_guard<std::mutex> guard{log->mtx};
      log->charge_keys.push_back(cmd.request.idempotency_key);
      integrations::payment_result r;
      r.outcome = log->answer;
      if (log->answer != integrations::gateway_outcome::timeout)
        r.provider_payment_id = "pay_scripted";
      return r;
    },
    [log](const actors::charge_payment& cmd) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->charge_keys.push_back(cmd.request.idempotency_key);
      integrations::payment_result r;
      r.outcome = log->answer;
      if (log->answer != integrations::gateway_outcome::timeout)  // no answer names no payment
        r.provider_payment_id = "pay_scripted";
      r.outcome_unknown = log->answer == integrations::gateway_outcome::timeout;
      return r;
    },
    [log](const actors::fetch_payment& cmd) {
      integrations::payment_result r;
      r.outcome = log->answer;
      r.provider_payment_id = cmd.provider_payment_id;
      return r;
    },
    [log](const integrations::refund_request& request) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->refund_keys.push_back(request.idempotency_key);
      integrations::refund_result r;
      r.outcome = log->answer;
      r.status = "succeeded";
      r.outcome_unknown = log->answer == integrations::gateway_outcome::timeout;
      return r;
    },
  };
}

struct payments_node {
  actors::order_api orders;
  std::shared_ptr<provider_log> provider = std::make_shared<provider_log>();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(unknown_outcomes, actor_fixture)

/// An order supervisor whose payment gateway is the scripted provider.
payments_node payment_node(actor_fixture& f) {
  payments_node n;
  auto base = f.commerce();
  actors::order_deps d;
  d.db = {f.db, f.db_workers, std::chrono::seconds(10)};
  d.restarts = {10, std::chrono::seconds(60)};
  d.catalog = base.catalog;
  d.sweep_interval = std::chrono::seconds(0);
  d.gateway_timeout = std::chrono::milliseconds(2000);
  d.gateways.payments = f.sys->spawn(scripted_provider, n.provider);
  d.gateways.payment_provider = "generic";
  // The unused int: CAF 0.17 binds an argument-less function actor through a null tuple pointer
  // (UBSan reports it in init_fun_factory), so it gets one argument.
  d.notifier = f.sys->spawn(
    [](caf::event_based_actor*, int) -> caf::behavior { return {[](const actors::send_order_email&) {}}; }, 0);
  n.orders = actors::spawn_order_supervisor(*f.sys, d);
  f.spawned.insert(f.spawned.end(), {caf::actor_cast<caf::actor>(n.orders), d.gateways.payments, d.notifier});
  return n;
}

BOOST_AUTO_TEST_CASE(settle_unknown_settles_a_charge_under_its_key_for_any_order_id) {
  auto node = payment_node(*this);
  auto user = insert_user(unique_email("settle"));
  auto id = ask<actors::order_reply>(node.orders, order_for(user, insert_product(5))).order.id;
  auto sid = std::to_string(id);

  // A charge whose answer never came: unknown, the order awaiting it.
  node.provider->answer = integrations::gateway_outcome::timeout;
  actors::process_payment pay;
  pay.order_id = id;
  pay.who = {user, false};
  pay.payment_token = "tok_settle";
  auto first = ask<actors::payment_reply>(node.orders, pay);
  BOOST_TEST(first.error.code == error_code::gateway_timeout);
  BOOST_TEST(to_string(first.payment.status) == "unknown");
  {
    auto c = db->acquire();
    auto listed = persistence::orders_with_unsettled_attempts(*c, 100000);
    BOOST_TEST((std::find(listed.begin(), listed.end(), id) != listed.end()), "the reconciliation list names the order");
  }
  auto key = first.payment.idempotence_key;

  // The provider still cannot tell: it stays unknown, and no new key is ever used.
  auto still = ask<actors::settle_reply>(node.orders, actors::settle_unknown_atom::value, id);
  BOOST_TEST(still.still_unknown == 1);
  BOOST_TEST(still.settled == 0);

  // Now it answers: the job's call settles it, under the first key.
  node.provider->answer = integrations::gateway_outcome::succeeded;
  auto settled = ask<actors::settle_reply>(node.orders, actors::settle_unknown_atom::value, id);
  BOOST_TEST(settled.error.ok());
  BOOST_TEST(settled.settled == 1);
  BOOST_TEST(settled.still_unknown == 0);
  {
    std::lock_guard<std::mutex> guard{node.provider->mtx};
    BOOST_TEST(node.provider->charge_keys == (std::vector<std::string>{key, key, key}));
  }
  BOOST_TEST(scalar("SELECT count(*) FROM payments WHERE order_id = $1::bigint AND status = 'succeeded'", {sid}) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND payment_status = 'paid'", {sid}) == 1);
  {
    auto c = db->acquire();
    auto listed = persistence::orders_with_unsettled_attempts(*c, 100000);
    BOOST_TEST((std::find(listed.begin(), listed.end(), id) == listed.end()), "settled orders leave the list");
  }
  // Nothing left: a second call is a no-op, and paying again is refused.
  auto again = ask<actors::settle_reply>(node.orders, actors::settle_unknown_atom::value, id);
  BOOST_TEST(again.settled == 0);
  BOOST_TEST(ask<actors::payment_reply>(node.orders, pay).error.code == error_code::order_already_paid);
}

BOOST_AUTO_TEST_CASE(an_unknown_refund_stays_reserved_until_settled) {
  auto node = payment_node(*this);
  auto user = insert_user(unique_email("refund-unknown"));
  auto id = ask<actors::order_reply>(node.orders, order_for(user, insert_product(5))).order.id;
  auto sid = std::to_string(id);
  actors::process_payment pay;
  pay.order_id = id;
  pay.who = {user, false};
  pay.payment_token = "tok_refund";
  BOOST_TEST_REQUIRE(ask<actors::payment_reply>(node.orders, pay).error.ok());
  auto total = scalar("SELECT total_minor FROM orders WHERE id = $1::bigint", {sid});

  node.provider->answer = integrations::gateway_outcome::timeout;
  auto first = ask<actors::refund_reply>(node.orders, actors::refund_payment{id, {user, false}, std::nullopt, ""});
  BOOST_TEST(first.error.code == error_code::gateway_timeout);
  BOOST_TEST(scalar("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {sid}) == total);
  // Another refund cannot go out meanwhile, nor exceed what was paid.
  auto second = ask<actors::refund_reply>(node.orders, actors::refund_payment{id, {user, false}, int64_t{100}, ""});
  BOOST_TEST(!second.error.ok());
  BOOST_TEST(scalar("SELECT count(*) FROM refunds WHERE order_id = $1::bigint", {sid}) == 1);

  node.provider->answer = integrations::gateway_outcome::succeeded;
  auto settled = ask<actors::settle_reply>(node.orders, actors::settle_unknown_atom::value, id);
  BOOST_TEST(settled.settled == 1);
  std::lock_guard<std::mutex> guard{node.provider->mtx};
  BOOST_TEST_REQUIRE(node.provider->refund_keys.size() == 3u);
  BOOST_TEST(node.provider->refund_keys[1] == node.provider->refund_keys[0]);
  BOOST_TEST(node.provider->refund_keys[2] == node.provider->refund_keys[0]);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND payment_status = 'refunded'", {sid}) == 1);
  BOOST_TEST(scalar("SELECT refunded_minor FROM orders WHERE id = $1::bigint", {sid}) == total);
}

// A cancel (here staff's transition to cancelled) never wins over a charge in flight: the
// guard includes payment_status, in the actor and in the SQL.
BOOST_AUTO_TEST_CASE(cancel_never_wins_over_a_charge_in_flight) {
  auto node = commerce();
  auto user = insert_user(unique_email("cancel-guard"));
  auto product = insert_product(3);
  auto id = ask<actors::order_reply>(node.orders, order_for(user, product)).order.id;
  {
    auto c = db->acquire();
    persistence::charge_attempt attempt;
    attempt.payment_method = "card";
    attempt.provider = "generic";
    attempt.in_flight_ms = 60000;
    BOOST_TEST_REQUIRE((persistence::begin_charge(*c, id, attempt).outcome == persistence::begin_outcome::started));
  }
  auto cancelled = ask<actors::order_reply>(node.orders, actors::advance_order{id, "cancelled"});
  BOOST_TEST(cancelled.error.code == error_code::invalid_order_state);
  auto by_owner = ask<actors::order_reply>(node.orders, actors::cancel_order{id, {user, false}});
  BOOST_TEST(by_owner.error.code == error_code::invalid_order_state);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE id = $1::bigint AND status = 'pending'", {std::to_string(id)}) == 1);
  BOOST_TEST(stock_of(product) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
