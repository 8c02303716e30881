// What the admin console reads from the supervisors: their live children (list_children,
// find_child), each child's probe (inspect_atom), restart budgets, and an administrator's
// passivation; and a page of a supervisor with 100,000 live children under a second.
#include "actors/cart_messages.hpp"
#include "actors/catalog_messages.hpp"
#include "actors/order_messages.hpp"
#include "fixture.hpp"

#include <algorithm>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

const actors::child_summary* child_of(const actors::children_page& page, int64_t entity_id) {
  auto it = std::find_if(page.children.begin(), page.children.end(),
                         [&](const actors::child_summary& c) { return c.entity_id == entity_id; });
  return it == page.children.end() ? nullptr : &*it;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(admin_introspection, actor_fixture)

BOOST_AUTO_TEST_CASE(tree_shows_three_carts_an_order_and_a_restarted_cart) {
  auto node = commerce();
  auto product = insert_product(50);
  std::vector<int64_t> users;
  for (int i = 0; i < 3; ++i) {
    users.push_back(insert_user(unique_email("admin-tree")));
    BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{users[i], product, 1}).error.ok());
  }
  // The second cart gets two more messages: its count must show them.
  ask<actors::cart_reply>(node.carts, actors::get_cart{users[1]});
  ask<actors::cart_reply>(node.carts, actors::get_cart{users[1]});
  auto buyer = insert_user(unique_email("admin-tree-order"));
  auto placed = ask<actors::order_reply>(node.orders, order_for(buyer, {{product, 2}}));
  BOOST_TEST_REQUIRE(placed.error.ok(), placed.error.code);
  // Placing writes the order; its actor is activated by the first message about it.
  BOOST_TEST_REQUIRE(ask<actors::order_reply>(node.orders, actors::get_order{placed.order.id, {buyer, false}}).error.ok());

  // The first cart crashes and is re-activated by its next message.
  auto before = ask<actors::children_page>(node.carts, actors::list_children{0, 100});
  const auto* crashed_before = child_of(before, users[0]);
  BOOST_TEST_REQUIRE(crashed_before);
  auto old_actor_id = crashed_before->actor_id;
  caf::anon_send(node.carts, actors::crash_entity{users[0]});
  BOOST_TEST(wait_for(node.carts, [](const actors::supervisor_stats& s) { return s.crashes == 1; }).crashes == 1);
  BOOST_TEST(ask<actors::cart_reply>(node.carts, actors::get_cart{users[0]}).lines.size() == 1u);

  auto carts = ask<actors::children_page>(node.carts, actors::list_children{0, 100});
  BOOST_TEST(carts.supervisor.kind == "cart");
  BOOST_TEST(carts.children.size() == 3u);
  BOOST_TEST(!carts.more);
  BOOST_TEST(carts.supervisor.stats.active == 3);
  BOOST_TEST(carts.supervisor.stats.crashes == 1);
  BOOST_TEST(carts.supervisor.max_restarts == 10);
  BOOST_TEST(carts.supervisor.restart_budget == 9);  // one crash spent within the window
  for (auto u : users)
    BOOST_TEST_REQUIRE(child_of(carts, u), "cart of user " << u << " is listed");
  const auto* restarted = child_of(carts, users[0]);
  BOOST_TEST(restarted->restarts == 1);
  BOOST_TEST(restarted->actor_id != old_actor_id);  // a fresh actor
  BOOST_TEST(restarted->messages_routed == 1);      // since its re-activation: the get_cart
  BOOST_TEST(child_of(carts, users[1])->messages_routed == 3);
  BOOST_TEST(child_of(carts, users[1])->restarts == 0);
  BOOST_TEST(child_of(carts, users[2])->messages_routed == 1);
  for (const auto& c : carts.children) {
    BOOST_TEST(c.kind == "cart");
    BOOST_TEST(c.last_activity_ms >= c.activated_at_ms);
    BOOST_TEST(c.activated_at_ms > 0);
  }
  // Ids ascend: the console pages by entity id.
  BOOST_TEST(std::is_sorted(carts.children.begin(), carts.children.end(),
                            [](const auto& a, const auto& b) { return a.entity_id < b.entity_id; }));

  auto orders = ask<actors::children_page>(node.orders, actors::list_children{0, 100});
  BOOST_TEST_REQUIRE(child_of(orders, placed.order.id));
  BOOST_TEST(orders.supervisor.restart_budget == 10);

  // The probe answers from inside the child.
  auto probe = ask<actors::entity_probe>(child_of(orders, placed.order.id)->handle, actors::inspect_atom::value);
  BOOST_TEST(probe.mailbox_size == 0);
  BOOST_TEST(probe.state.find("pending") != std::string::npos, probe.state);
  auto cart_probe = ask<actors::entity_probe>(restarted->handle, actors::inspect_atom::value);
  BOOST_TEST(cart_probe.state.find("user " + std::to_string(users[0])) != std::string::npos, cart_probe.state);
  BOOST_TEST(cart_probe.state.find("1 line in memory") != std::string::npos, cart_probe.state);

  // Found by its CAF id, then passivated: gone from the listing, counted as a passivation.
  auto target = child_of(carts, users[2])->actor_id;
  auto found = ask<actors::child_lookup>(node.carts, actors::find_child{target, false});
  BOOST_TEST(found.found);
  BOOST_TEST(found.child.entity_id == users[2]);
  BOOST_TEST(!ask<actors::child_lookup>(node.orders, actors::find_child{target, false}).found);
  BOOST_TEST(ask<actors::child_lookup>(node.carts, actors::find_child{target, true}).found);
  BOOST_TEST(wait_for(node.carts, [](const actors::supervisor_stats& s) { return s.passivations == 1; }).passivations == 1);
  auto after = ask<actors::children_page>(node.carts, actors::list_children{0, 100});
  BOOST_TEST(after.children.size() == 2u);
  BOOST_TEST(!child_of(after, users[2]));
  BOOST_TEST(!ask<actors::child_lookup>(node.carts, actors::find_child{target, false}).found);
  // Its cart is in PostgreSQL: the next message brings it back.
  BOOST_TEST(ask<actors::cart_reply>(node.carts, actors::get_cart{users[2]}).lines.size() == 1u);
}

BOOST_AUTO_TEST_CASE(pages_follow_the_cursor_without_gaps_or_repeats) {
  auto node = commerce();
  std::vector<int64_t> users;
  for (int i = 0; i < 7; ++i) {
    users.push_back(insert_user(unique_email("admin-pages")));
    ask<actors::cart_reply>(node.carts, actors::get_cart{users.back()});
  }
  std::vector<int64_t> seen;
  int64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = ask<actors::children_page>(node.carts, actors::list_children{after, 3});
    BOOST_TEST(page.children.size() <= 3u);
    for (const auto& c : page.children)
      seen.push_back(c.entity_id);
    if (!page.more)
      break;
    after = page.children.back().entity_id;
  }
  BOOST_TEST(seen == users);  // inserted in ascending id order
}

BOOST_AUTO_TEST_CASE(a_page_of_100000_live_carts_answers_under_a_second) {
  auto node = commerce();
  constexpr int64_t total = 100000;
  constexpr int64_t base = 2000000000;  // no such users: an empty cart each, nothing written
  caf::scoped_actor self{*sys};
  auto started = std::chrono::steady_clock::now();
  // Activate them in waves so the database workers' queue stays bounded.
  constexpr int64_t wave = 5000;
  for (int64_t from = 0; from < total; from += wave) {
    for (int64_t i = from; i < from + wave; ++i)
      self->send(node.carts, actors::get_cart{base + i});  // replies come back as plain messages
    int64_t answered = 0;
    self->receive_for(answered, wave)([](actors::cart_reply&) {});
    BOOST_TEST_REQUIRE(answered == wave);
  }
  BOOST_TEST_MESSAGE("activated " << total << " carts in "
                                  << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
                                  << " ms");
  BOOST_TEST_REQUIRE(stats(node.carts).active == total);

  auto timed_page = [&](int64_t after, int64_t limit) {
    auto t0 = std::chrono::steady_clock::now();
    auto page = ask<actors::children_page>(node.carts, actors::list_children{after, limit});
    auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST((took < 1s), "a page after " << after << " took "
                                          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    return page;
  };
  auto first = timed_page(0, 1000);
  BOOST_TEST(first.children.size() == 1000u);
  BOOST_TEST(first.more);
  BOOST_TEST(first.children.front().entity_id == base);
  auto middle = timed_page(base + total / 2, 1000);
  BOOST_TEST(middle.children.front().entity_id == base + total / 2 + 1);
  auto last = timed_page(base + total - 10, 1000);
  BOOST_TEST(last.children.size() == 9u);
  BOOST_TEST(!last.more);
  // The summary alone (what the tree asks) is as quick.
  auto summary = timed_page(0, 0);
  BOOST_TEST(summary.supervisor.stats.active == total);
  BOOST_TEST(summary.children.empty());
}

BOOST_AUTO_TEST_SUITE_END()
