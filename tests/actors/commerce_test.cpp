#include "actors/cart_messages.hpp"
#include "actors/catalog_messages.hpp"
#include "actors/order_messages.hpp"
#include "fixture.hpp"

#include <future>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(commerce_actors, actor_fixture)

BOOST_AUTO_TEST_CASE(cart_operations) {
  auto node = commerce();
  auto user = insert_user(unique_email("cart"));
  auto product = insert_product(10, 2550);
  auto add = [&](int64_t p, int32_t q) { return ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{user, p, q}); };

  auto first = add(product, 2);
  BOOST_TEST_REQUIRE(first.error.ok(), first.error.code);
  auto merged = add(product, 3);
  BOOST_TEST(merged.line.item_id == first.line.item_id);
  BOOST_TEST(merged.line.quantity == 5);
  BOOST_TEST(add(product, 6).error.code == error_code::insufficient_stock);
  BOOST_TEST(add(product, 1000).error.code == error_code::validation_error);
  BOOST_TEST(add(987654321, 1).error.fields.count("product_id") == 1u);

  auto cart = ask<actors::cart_reply>(node.carts, actors::get_cart{user});
  BOOST_TEST_REQUIRE(cart.lines.size() == 1u);
  BOOST_TEST(cart.lines[0].unit_price_minor == 2550);

  auto item = first.line.item_id;
  BOOST_TEST(ask<actors::cart_item_reply>(node.carts, actors::set_cart_item{user, item, 7}).line.quantity == 7);
  BOOST_TEST(ask<actors::cart_item_reply>(node.carts, actors::set_cart_item{user, item, 11}).error.code == error_code::insufficient_stock);
  auto other = insert_user(unique_email("cart-other"));
  BOOST_TEST(ask<actors::cart_item_reply>(node.carts, actors::set_cart_item{other, item, 1}).error.code == error_code::not_found);
  BOOST_TEST(ask<actors::cart_item_reply>(node.carts, actors::remove_cart_item{other, item}).error.code == error_code::not_found);
  BOOST_TEST(ask<actors::cart_item_reply>(node.carts, actors::remove_cart_item{user, item}).error.ok());
  add(product, 1);
  ask<actors::cart_reply>(node.carts, actors::clear_cart{user});
  BOOST_TEST(ask<actors::cart_reply>(node.carts, actors::get_cart{user}).lines.empty());
}

BOOST_AUTO_TEST_CASE(a_crashed_cart_actor_comes_back_with_its_cart) {
  auto node = commerce();
  auto user = insert_user(unique_email("cart-crash"));
  auto product = insert_product(5);
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{user, product, 2}).error.ok());
  caf::anon_send(node.carts, actors::crash_entity{user});
  auto s = wait_for(node.carts, [](const actors::supervisor_stats& s) { return s.crashes == 1; });
  BOOST_TEST(s.crashes == 1);
  auto cart = ask<actors::cart_reply>(node.carts, actors::get_cart{user});
  BOOST_TEST_REQUIRE(cart.lines.size() == 1u);
  BOOST_TEST(cart.lines[0].quantity == 2);
  BOOST_TEST(stats(node.carts).activations == 2);
}

BOOST_AUTO_TEST_CASE(checkout_from_the_cart_reserves_and_empties_it) {
  auto node = commerce();
  auto user = insert_user(unique_email("checkout"));
  auto a = insert_product(5, 1000), b = insert_product(3, 250);
  ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{user, a, 2});
  ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{user, b, 3});
  auto r = ask<actors::order_reply>(node.orders, order_for(user));
  BOOST_TEST_REQUIRE(r.error.ok(), r.error.code);
  BOOST_TEST(to_string(r.order.status) == "pending");
  BOOST_TEST(to_string(r.order.payment_status) == "unpaid");
  BOOST_TEST(r.order.inventory_reserved);
  BOOST_TEST(r.order.total_minor == 2 * 1000 + 3 * 250);
  BOOST_TEST(r.order.items.size() == 2u);
  BOOST_TEST(stock_of(a) == 3);
  BOOST_TEST(stock_of(b) == 0);
  BOOST_TEST(ledger_of(a) == stock_of(a));
  BOOST_TEST(ask<actors::cart_reply>(node.carts, actors::get_cart{user}).lines.empty());
  BOOST_TEST(ask<actors::order_reply>(node.orders, order_for(user)).error.code == error_code::cart_empty);
}

// A cart actor keeps its lines in memory; PostgreSQL stays the arbiter. Another node on the
// same database (another server process) changes the cart: this node must not serve its copy.
BOOST_AUTO_TEST_CASE(a_cart_changed_by_another_node_is_served_fresh) {
  auto here = commerce(), there = commerce();
  auto user = insert_user(unique_email("cart-nodes"));
  auto a = insert_product(50, 1000), b = insert_product(50, 700);
  auto get = [&](auto& node) { return ask<actors::cart_reply>(node.carts, actors::get_cart{user}); };
  auto first = ask<actors::cart_item_reply>(here.carts, actors::add_cart_item{user, a, 1});
  BOOST_TEST_REQUIRE(first.error.ok(), first.error.code);
  BOOST_TEST_REQUIRE(get(here).lines.size() == 1u);  // now held by this node's cart actor

  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(there.carts, actors::add_cart_item{user, b, 2}).error.ok());
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(there.carts, actors::set_cart_item{user, first.line.item_id, 3}).error.ok());
  auto seen = get(here);
  BOOST_TEST_REQUIRE(seen.lines.size() == 2u);
  BOOST_TEST(seen.lines[0].quantity == 3);
  BOOST_TEST(seen.lines[1].product_id == b);
  BOOST_TEST(seen.lines[1].quantity == 2);

  // A write here after a change there merges into the line as PostgreSQL has it.
  auto merged = ask<actors::cart_item_reply>(here.carts, actors::add_cart_item{user, a, 1});
  BOOST_TEST(merged.line.quantity == 4);
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(there.carts, actors::remove_cart_item{user, seen.lines[1].item_id}).error.ok());
  seen = get(here);
  BOOST_TEST_REQUIRE(seen.lines.size() == 1u);
  BOOST_TEST(seen.lines[0].quantity == 4);

  ask<actors::cart_reply>(there.carts, actors::clear_cart{user});
  BOOST_TEST(get(here).lines.empty());
}

BOOST_AUTO_TEST_CASE(an_order_from_the_cart_empties_it_on_every_node) {
  auto here = commerce(), there = commerce();
  auto user = insert_user(unique_email("cart-order-nodes"));
  auto a = insert_product(10, 1000);
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(here.carts, actors::add_cart_item{user, a, 2}).error.ok());
  BOOST_TEST_REQUIRE(ask<actors::cart_reply>(here.carts, actors::get_cart{user}).lines.size() == 1u);
  BOOST_TEST_REQUIRE(ask<actors::cart_reply>(there.carts, actors::get_cart{user}).lines.size() == 1u);
  auto placed = ask<actors::order_reply>(there.orders, order_for(user));
  BOOST_TEST_REQUIRE(placed.error.ok(), placed.error.code);
  BOOST_TEST(ask<actors::cart_reply>(here.carts, actors::get_cart{user}).lines.empty());
  BOOST_TEST(ask<actors::cart_reply>(there.carts, actors::get_cart{user}).lines.empty());
  // And a cart refilled afterwards is seen whole by the node that held the emptied one.
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(there.carts, actors::add_cart_item{user, a, 1}).error.ok());
  BOOST_TEST(ask<actors::cart_reply>(here.carts, actors::get_cart{user}).lines.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_held_cart_shows_the_current_name_and_price) {
  auto node = commerce();
  auto user = insert_user(unique_email("cart-price"));
  auto a = insert_product(10, 1000);
  BOOST_TEST_REQUIRE(ask<actors::cart_item_reply>(node.carts, actors::add_cart_item{user, a, 2}).error.ok());
  BOOST_TEST_REQUIRE(ask<actors::cart_reply>(node.carts, actors::get_cart{user}).lines.size() == 1u);
  sql("UPDATE products SET price_minor = 1234, name = 'Renamed' WHERE id = $1::bigint", {std::to_string(a)});
  auto cart = ask<actors::cart_reply>(node.carts, actors::get_cart{user});
  BOOST_TEST_REQUIRE(cart.lines.size() == 1u);
  BOOST_TEST(cart.lines[0].unit_price_minor == 1234);
  BOOST_TEST(cart.lines[0].product_name == "Renamed");
}

// Two nodes add to the same fresh lines at once: each add must land (no increment lost when
// both insert the line, or both read the old quantity).
BOOST_AUTO_TEST_CASE(concurrent_adds_from_two_nodes_lose_no_increment) {
  auto here = commerce(), there = commerce();
  auto user = insert_user(unique_email("cart-race"));
  std::vector<int64_t> products;
  for (int i = 0; i < 30; ++i)
    products.push_back(insert_product(100));
  std::atomic<int> refused{0};  // Boost.Test assertions are for the main thread only
  auto adder = [&](actors::cart_api carts) {
    for (auto p : products)
      for (int k = 0; k < 2; ++k)
        if (!ask<actors::cart_item_reply>(carts, actors::add_cart_item{user, p, 1}).error.ok())
          ++refused;
  };
  std::thread one{adder, here.carts}, two{adder, there.carts};
  one.join();
  two.join();
  BOOST_TEST(refused.load() == 0);
  auto cart = ask<actors::cart_reply>(here.carts, actors::get_cart{user});
  BOOST_TEST_REQUIRE(cart.lines.size() == products.size());
  for (const auto& line : cart.lines)
    BOOST_TEST(line.quantity == 4, "product " << line.product_id);
}

BOOST_AUTO_TEST_CASE(a_short_line_reserves_nothing_and_names_the_product) {
  auto node = commerce();
  auto user = insert_user(unique_email("short"));
  auto plenty = insert_product(10), scarce = insert_product(1);
  auto r = ask<actors::order_reply>(node.orders, order_for(user, {{plenty, 2}, {scarce, 2}}));
  BOOST_TEST(r.error.code == error_code::insufficient_stock);
  BOOST_TEST(r.error.message.find(std::to_string(scarce)) != std::string::npos);
  BOOST_TEST(r.error.message.find(std::to_string(plenty)) == std::string::npos);
  BOOST_TEST(stock_of(plenty) == 10);
  BOOST_TEST(stock_of(scarce) == 1);
  BOOST_TEST(scalar("SELECT count(*) FROM orders WHERE user_id = $1::bigint", {std::to_string(user)}) == 0);
}

BOOST_AUTO_TEST_CASE(the_order_state_machine_through_the_order_actor) {
  auto node = commerce();
  auto user = insert_user(unique_email("lifecycle"));
  auto product = insert_product(10);
  auto id = ask<actors::order_reply>(node.orders, order_for(user, {{product, 1}})).order.id;
  auto advance = [&](const char* to) { return ask<actors::order_reply>(node.orders, actors::advance_order{id, to}); };

  BOOST_TEST(advance("shipped").error.code == error_code::invalid_order_state);
  BOOST_TEST(advance("refunded").error.code == error_code::invalid_order_state);
  BOOST_TEST(advance("nonsense").error.code == error_code::validation_error);
  for (const char* step : {"confirmed", "processing", "shipped", "delivered"}) {
    auto r = advance(step);
    BOOST_TEST_REQUIRE(r.error.ok(), step << ": " << r.error.code);
    BOOST_TEST(to_string(r.order.status) == step);
  }
  BOOST_TEST(advance("pending").error.code == error_code::invalid_order_state);
  BOOST_TEST(advance("cancelled").error.code == error_code::invalid_order_state);
  BOOST_TEST(to_string(advance("refunded").order.status) == "refunded");
  BOOST_TEST(advance("delivered").error.code == error_code::invalid_order_state);
  BOOST_TEST(stock_of(product) == 9);  // a refund does not restock
  BOOST_TEST(scalar("SELECT version FROM orders WHERE id = $1::bigint", {std::to_string(id)}) == 6);
}

BOOST_AUTO_TEST_CASE(cancel_is_for_owners_of_unpaid_pending_orders) {
  auto node = commerce();
  auto owner = insert_user(unique_email("cancel")), stranger = insert_user(unique_email("stranger"));
  auto product = insert_product(4);
  auto id = ask<actors::order_reply>(node.orders, order_for(owner, {{product, 3}})).order.id;
  BOOST_TEST(stock_of(product) == 1);
  BOOST_TEST(ask<actors::order_reply>(node.orders, actors::get_order{id, {stranger, false}}).error.code == error_code::not_found);
  BOOST_TEST(ask<actors::order_reply>(node.orders, actors::cancel_order{id, {stranger, false}}).error.code == error_code::not_found);
  BOOST_TEST(ask<actors::order_reply>(node.orders, actors::get_order{id, {stranger, true}}).error.ok());
  auto cancelled = ask<actors::order_reply>(node.orders, actors::cancel_order{id, {owner, false}});
  BOOST_TEST_REQUIRE(cancelled.error.ok(), cancelled.error.code);
  BOOST_TEST(to_string(cancelled.order.status) == "cancelled");
  BOOST_TEST(!cancelled.order.inventory_reserved);
  BOOST_TEST(stock_of(product) == 4);
  BOOST_TEST(ledger_of(product) == 4);
  BOOST_TEST(ask<actors::order_reply>(node.orders, actors::cancel_order{id, {owner, false}}).error.code ==
             error_code::invalid_order_state);

  auto paid = ask<actors::order_reply>(node.orders, order_for(owner, {{product, 1}})).order.id;
  sql("UPDATE orders SET payment_status = 'paid' WHERE id = $1::bigint", {std::to_string(paid)});
  BOOST_TEST(ask<actors::order_reply>(node.orders, actors::cancel_order{paid, {owner, false}}).error.code ==
             error_code::invalid_order_state);
}

BOOST_AUTO_TEST_CASE(a_crashed_order_actor_comes_back_with_its_order) {
  auto node = commerce();
  auto user = insert_user(unique_email("order-crash"));
  auto id = ask<actors::order_reply>(node.orders, order_for(user, {{insert_product(3), 1}})).order.id;
  BOOST_TEST_REQUIRE(ask<actors::order_reply>(node.orders, actors::advance_order{id, "confirmed"}).error.ok());
  caf::anon_send(node.orders, actors::crash_entity{id});
  BOOST_TEST(wait_for(node.orders, [](const actors::supervisor_stats& s) { return s.crashes == 1; }).crashes == 1);
  auto r = ask<actors::order_reply>(node.orders, actors::get_order{id, {user, false}});
  BOOST_TEST_REQUIRE(r.error.ok());
  BOOST_TEST(to_string(r.order.status) == "confirmed");
}

BOOST_AUTO_TEST_CASE(two_nodes_on_one_database_never_both_win_a_transition) {
  auto a = commerce(1800s, 60s);  // long caches: node A will act on a stale view
  auto b = commerce(1800s, 60s);
  auto user = insert_user(unique_email("two-nodes"));
  auto product = insert_product(2);
  auto id = ask<actors::order_reply>(a.orders, order_for(user, {{product, 2}})).order.id;
  BOOST_TEST(to_string(ask<actors::order_reply>(a.orders, actors::get_order{id, {user, false}}).order.status) == "pending");
  BOOST_TEST(ask<actors::order_reply>(b.orders, actors::cancel_order{id, {user, false}}).error.ok());
  // A still believes the order is pending; the SQL guard refuses, A reloads and answers 409.
  auto late = ask<actors::order_reply>(a.orders, actors::advance_order{id, "confirmed"});
  BOOST_TEST(late.error.code == error_code::invalid_order_state);
  BOOST_TEST(ask<actors::order_reply>(a.orders, actors::cancel_order{id, {user, false}}).error.code == error_code::invalid_order_state);
  BOOST_TEST(stock_of(product) == 2);  // released exactly once
  BOOST_TEST(ledger_of(product) == 2);
}

BOOST_AUTO_TEST_CASE(twenty_buyers_five_units_exactly_five_orders) {
  auto node = commerce();
  auto product = insert_product(5);
  std::vector<int64_t> buyers;
  for (int i = 0; i < 20; ++i)
    buyers.push_back(insert_user(unique_email("rush")));
  caf::scoped_actor self{*sys};
  for (auto buyer : buyers)
    self->send(node.orders, order_for(buyer, {{product, 1}}));
  int created = 0, short_of_stock = 0;
  for (size_t i = 0; i < buyers.size(); ++i)
    self->receive([&](actors::order_reply& r) { r.error.ok() ? ++created : (r.error.code == error_code::insufficient_stock ? ++short_of_stock : 0); },
                  caf::after(30s) >> [] { BOOST_FAIL("an order got no reply"); });
  BOOST_TEST(created == 5);
  BOOST_TEST(short_of_stock == 15);
  BOOST_TEST(stock_of(product) == 0);
  BOOST_TEST(ledger_of(product) == 0);
  BOOST_TEST(scalar("SELECT count(*) FROM order_items WHERE product_id = $1::bigint", {std::to_string(product)}) == 5);
}

BOOST_AUTO_TEST_CASE(expired_reservations_are_released_through_the_ledger) {
  auto node = commerce(1s);
  auto user = insert_user(unique_email("expiry"));
  auto product = insert_product(3);
  auto id = ask<actors::order_reply>(node.orders, order_for(user, {{product, 2}})).order.id;
  auto paid = ask<actors::order_reply>(node.orders, order_for(user, {{product, 1}})).order.id;
  sql("UPDATE orders SET payment_status = 'paid', status = 'confirmed' WHERE id = $1::bigint", {std::to_string(paid)});
  BOOST_TEST(stock_of(product) == 0);
  std::this_thread::sleep_for(1200ms);
  caf::anon_send(node.orders, actors::sweep_atom::value);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (stock_of(product) != 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  BOOST_TEST(stock_of(product) == 2);  // the paid order keeps its unit
  BOOST_TEST(to_string(ask<actors::order_reply>(node.orders, actors::get_order{id, {user, false}}).order.status) == "cancelled");
  BOOST_TEST(to_string(ask<actors::order_reply>(node.orders, actors::get_order{paid, {user, false}}).order.status) == "confirmed");
  BOOST_TEST(scalar("SELECT count(*) FROM inventory_ledger WHERE order_id = $1::bigint AND reason = 'reservation_expired'",
                    {std::to_string(id)}) == 1);
  BOOST_TEST(ledger_of(product) == 2);
}

BOOST_AUTO_TEST_CASE(idempotency_keys_replay_and_refuse_reuse) {
  auto node = commerce();
  auto user = insert_user(unique_email("idem"));
  auto product = insert_product(5);
  auto cmd = order_for(user, {{product, 1}});
  cmd.order.idempotency_key = "key-1";
  cmd.order.request_hash = "hash-a";
  auto first = ask<actors::order_reply>(node.orders, cmd);
  auto again = ask<actors::order_reply>(node.orders, cmd);
  BOOST_TEST_REQUIRE(first.error.ok());
  BOOST_TEST(!first.replayed);
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.order.id == first.order.id);
  BOOST_TEST(stock_of(product) == 4);
  cmd.order.request_hash = "hash-b";
  BOOST_TEST(ask<actors::order_reply>(node.orders, cmd).error.code == error_code::idempotency_key_reused);
  auto other = insert_user(unique_email("idem-other"));
  auto theirs = order_for(other, {{product, 1}});
  theirs.order.idempotency_key = "key-1";
  theirs.order.request_hash = "hash-a";
  BOOST_TEST(ask<actors::order_reply>(node.orders, theirs).order.id != first.order.id);
}

BOOST_AUTO_TEST_CASE(product_reads_are_cached_and_writes_refresh_them) {
  auto node = commerce(1800s, 60s);
  auto product = insert_product(50);
  BOOST_TEST(ask<actors::product_reply>(node.catalog, actors::get_product{product}).product.quantity == 50);
  auto sold = ask<actors::product_reply>(node.catalog, actors::change_stock{product, persistence::stock_operation::sale, 5});
  BOOST_TEST(sold.product.quantity == 45);
  BOOST_TEST(ask<actors::product_reply>(node.catalog, actors::get_product{product}).product.quantity == 45);
  auto too_many = ask<actors::product_reply>(node.catalog, actors::change_stock{product, persistence::stock_operation::sale, 46});
  BOOST_TEST(too_many.error.code == error_code::insufficient_stock);
  BOOST_TEST(stock_of(product) == 45);
  // A checkout on this node invalidates the cached row at once.
  auto user = insert_user(unique_email("cache"));
  BOOST_TEST_REQUIRE(ask<actors::order_reply>(node.orders, order_for(user, {{product, 5}})).error.ok());
  BOOST_TEST(ask<actors::product_reply>(node.catalog, actors::get_product{product}).product.quantity == 40);
  BOOST_TEST(ask<actors::product_reply>(node.catalog, actors::archive_product{product}).error.ok());
  BOOST_TEST(ask<actors::product_reply>(node.catalog, actors::get_product{product}).error.code == error_code::not_found);
  BOOST_TEST(ask<actors::order_reply>(node.orders, order_for(user, {{product, 1}})).error.code == error_code::validation_error);
}

BOOST_AUTO_TEST_CASE(listing_pages_are_cached_until_this_node_writes) {
  auto node = commerce(1800s, 60s);
  auto word = "cachedword" + std::to_string(getpid()) + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  actors::list_products query;
  query.query.search = word;
  BOOST_TEST(ask<actors::product_page_reply>(node.catalog, query).page->count == 0);
  persistence::product_fields fields{"A " + word, std::string{}, 500, "SKU-" + word, 3};
  auto created = ask<actors::product_reply>(node.catalog, actors::create_product{fields});
  BOOST_TEST_REQUIRE(created.error.ok(), created.error.code);
  BOOST_TEST(ask<actors::product_page_reply>(node.catalog, query).page->count == 1);  // the create cleared the cache
  // A write this node did not see (another node) stays invisible for at most the cache TTL.
  sql("UPDATE products SET is_active = false WHERE id = $1::bigint", {std::to_string(created.product.id)});
  BOOST_TEST(ask<actors::product_page_reply>(node.catalog, query).page->count == 1);
  auto fresh = commerce(1800s, 0ms);
  BOOST_TEST(ask<actors::product_page_reply>(fresh.catalog, query).page->count == 0);
}

// A term's first page keeps its match list; the next pages are cut from it and read by id, and
// show what a whole read shows, until this node writes.
BOOST_AUTO_TEST_CASE(later_pages_are_cut_from_the_first_page_match_list) {
  auto node = commerce(1800s, 60s);
  auto word = "pagedword" + std::to_string(getpid()) + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  sql("INSERT INTO products (name, description, price_minor, sku, quantity) "
      "SELECT 'Paged ' || $1 || ' ' || g, '', 100 + g, 'SKU-' || $1 || '-' || g, 1 FROM generate_series(1, 25) AS g",
      {word});
  auto page = [&](int64_t offset) {
    actors::list_products query;
    query.query.search = word;
    query.query.order_by = "-price";
    query.query.limit = 10;
    query.query.offset = offset;
    auto r = ask<actors::product_page_reply>(node.catalog, query);
    BOOST_TEST_REQUIRE(r.error.ok());
    return *r.page;
  };
  auto whole = [&](int64_t offset) {
    persistence::product_query q;
    q.search = word;
    q.order_by = "-price";
    q.limit = 10;
    q.offset = offset;
    auto c = db->acquire();
    return persistence::list_products(*c, q);
  };
  BOOST_TEST(page(0).count == 25);
  for (int64_t offset : {10, 20, 30}) {
    auto cut = page(offset);
    BOOST_TEST((ids_of(cut) == ids_of(whole(offset))), "offset " << offset);
    BOOST_TEST(cut.count == 25);
  }
  // Archived through this node: every cached list and page goes, and the pages move up by one.
  const auto archived = page(0).rows.front().id;
  BOOST_TEST_REQUIRE(ask<actors::product_reply>(node.catalog, actors::archive_product{archived}).error.ok());
  for (int64_t offset : {0, 10, 20}) {
    auto after = page(offset);
    BOOST_TEST((ids_of(after) == ids_of(whole(offset))), "offset " << offset << " after the archive");
    BOOST_TEST(after.count == 24);
  }
}

// A listing read while a product's update waits for its row shows the old row. Once the update
// has answered, no listing shows the old row again: the cache is cleared when the write has
// committed, not when it was asked for.
BOOST_AUTO_TEST_CASE(a_listing_read_during_an_update_is_not_served_after_it) {
  auto node = commerce(1800s, 60s);
  auto word = "updatedword" + std::to_string(getpid()) + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  auto id = scalar("INSERT INTO products (name, description, price_minor, sku, quantity) "
                   "VALUES ('Before ' || $1, '', 100, 'SKU-' || $1, 1) RETURNING id",
                   {word});
  auto names = [&] {
    actors::list_products query;
    query.query.search = word;
    auto r = ask<actors::product_page_reply>(node.catalog, query);
    BOOST_TEST_REQUIRE(r.error.ok());
    std::vector<std::string> out;
    for (const auto& row : r.page->rows)
      out.push_back(row.name);
    return out;
  };
  using names_t = std::vector<std::string>;
  BOOST_TEST((names() == names_t{"Before " + word}));

  pg::connection holder{test_database_url()};
  holder.exec_script("BEGIN");
  holder.exec("SELECT 1 FROM products WHERE id = $1::bigint FOR UPDATE", {pg::to_param(id)});
  auto updating = std::async(std::launch::async, [&] {
    actors::update_product update{id, {}};
    update.fields.name = "After " + word;
    return ask<actors::product_reply>(node.catalog, update);
  });
  auto waiting = [&] {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                  "AND query LIKE 'SELECT quantity FROM products WHERE id = $1::bigint AND is_active FOR UPDATE%'");
  };
  for (int i = 0; i < 500 && waiting() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_TEST_REQUIRE(waiting() >= 1);
  BOOST_TEST((names() == names_t{"Before " + word}), "read while the update waits");
  holder.exec_script("COMMIT");
  BOOST_TEST_REQUIRE(updating.get().error.ok());
  BOOST_TEST((names() == names_t{"After " + word}), "read after the update answered");
}

BOOST_AUTO_TEST_SUITE_END()
