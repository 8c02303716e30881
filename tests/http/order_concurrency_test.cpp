// Concurrency invariants (API.md §5, §4): simultaneous buyers never oversell, on one server and
// on two servers sharing the database; simultaneous requests with one Idempotency-Key create one
// order; simultaneous inventory sales never take the stock below 0. Every request of a race has
// its own thread and connection, warmed up first and released together.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <set>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

constexpr int buyer_count = 20;

/// 20 registered users, registered once per run (Argon2id makes registration slow) and shared by
/// the races below. Tokens are valid on every server of the run (one JWT_SECRET, one database).
const std::vector<account>& buyers() {
  static std::vector<account> all = [] {
    const auto base_url = shared_server().base_url();
    std::vector<account> out(buyer_count);
    std::vector<std::string> errors(buyer_count);
    std::vector<std::thread> threads;
    for (int i = 0; i < buyer_count; ++i)
      threads.emplace_back([&, i] {
        try {
          client c{base_url};
          out[i] = new_account(c, "buyer");
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& t : threads)
      t.join();
    for (const auto& e : errors)
      if (!e.empty())
        throw std::runtime_error("registering the buyers failed: " + e);
    return out;
  }();
  return all;
}

/// Runs n requests at once. Request i goes to base_urls[i % size] from its own thread and client;
/// each client first opens its connection (GET /health/), then all wait at one gate.
std::vector<response> race(const std::vector<std::string>& base_urls, int n,
                           const std::function<response(int, client&)>& send) {
  std::vector<response> results(n);
  start_gate gate{n};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      client c{base_urls[i % base_urls.size()]};
      c.get("/health/");  // connect now, so the gate releases requests rather than handshakes
      gate.arrive_and_wait();
      results[i] = send(i, c);
    });
  gate.wait_for_all();
  gate.open();
  for (auto& t : threads)
    t.join();
  return results;
}

struct tally {
  int ok = 0;
  int conflicts = 0;
  std::vector<std::string> unexpected;
};

/// Counts `ok_status` answers and 409 insufficient_stock answers; anything else is unexpected.
tally count(const std::vector<response>& results, long ok_status) {
  tally t;
  for (const auto& r : results) {
    if (r.status == ok_status)
      ++t.ok;
    else if (r.status == 409 && r.error_code() == "insufficient_stock")
      ++t.conflicts;
    else
      t.unexpected.push_back(r.request + " -> " + r.describe());
  }
  return t;
}

int64_t db_stock(int64_t product_id) {
  return db_int("SELECT quantity FROM products WHERE id = $1::bigint", {std::to_string(product_id)});
}

int64_t ledger_sum(int64_t product_id) {
  return db_int("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                {std::to_string(product_id)});
}

/// Twenty buyers order one unit each of a product with stock 5, spread over `base_urls`: exactly
/// five orders, fifteen 409s, stock 0 in the database and a ledger that adds up.
void twenty_buyers_for_five_units(const std::vector<std::string>& base_urls, client& c, const std::string& staff) {
  const auto& users = buyers();
  const int64_t p = create_product(c, staff, "Hot item", "49.90", 5);
  for (const auto& url : base_urls) {  // every node has the product cached with stock 5
    client warm{url};
    BOOST_TEST_REQUIRE(stock_of(warm, p) == 5);
  }

  auto results = race(base_urls, buyer_count, [&](int i, client& bc) {
    return bc.post("/api/orders/", order_body({{p, 1}}), users[i].access);
  });
  auto t = count(results, 201);
  BOOST_TEST(t.ok == 5, "orders created: " << t.ok);
  BOOST_TEST(t.conflicts == buyer_count - 5, "409 insufficient_stock: " << t.conflicts);
  for (const auto& u : t.unexpected)
    BOOST_ERROR("unexpected answer: " << u);

  // Every created order holds one unit, and belongs to the buyer who got the 201.
  std::set<int64_t> order_ids;
  for (int i = 0; i < buyer_count; ++i) {
    const auto& r = results[i];
    if (r.status != 201)
      continue;
    BOOST_TEST(int_of(r.json, "user_id") == std::optional<int64_t>{users[i].id});
    BOOST_TEST(r.json["items"].Size() == 1u);
    order_ids.insert(int_of(r.json, "id").value_or(-1));
  }
  BOOST_TEST(order_ids.size() == static_cast<size_t>(t.ok), "two buyers got the same order id");

  BOOST_TEST(db_stock(p) == 0, "stock in the database");
  BOOST_TEST(ledger_sum(p) == 0, "the inventory ledger does not add up to the stock");
  BOOST_TEST(db_int("SELECT count(*) FROM order_items WHERE product_id = $1::bigint", {std::to_string(p)}) == 5);
  BOOST_TEST(db_int("SELECT count(*) FROM inventory_ledger WHERE product_id = $1::bigint AND reason = 'order_reserved'",
                    {std::to_string(p)}) == 5);

  // Through the API: at once on a single node; on several, once the cache TTL (1 s) has passed.
  if (base_urls.size() > 1)
    std::this_thread::sleep_for(1100ms);
  for (const auto& url : base_urls) {
    client reader{url};
    BOOST_TEST(stock_of(reader, p) == 0, "GET on " << url << " shows stock left");
  }
}

/// Fifteen staff sales of one unit on a stock of 10, spread over `base_urls`.
void fifteen_sales_for_ten_units(const std::vector<std::string>& base_urls, client& c, const std::string& staff) {
  const int64_t p = create_product(c, staff, "Counter stock", "1.00", 10);
  const std::string path = "/api/products/" + std::to_string(p) + "/inventory/";
  auto results = race(base_urls, 15, [&](int, client& sc) {
    return sc.put(path, json_object{{"quantity", 1}, {"operation", "sale"}}, staff);
  });
  auto t = count(results, 200);
  BOOST_TEST(t.ok == 10, "sales that succeeded: " << t.ok);
  BOOST_TEST(t.conflicts == 5, "409 insufficient_stock: " << t.conflicts);
  for (const auto& u : t.unexpected)
    BOOST_ERROR("unexpected answer: " << u);
  // Each success reports a distinct new stock: 9, 8, ..., 0.
  std::set<int64_t> reported;
  for (const auto& r : results)
    if (r.status == 200)
      reported.insert(int_of(r.json, "quantity").value_or(-1));
  BOOST_TEST(reported.size() == 10u, "two sales reported the same new stock");
  BOOST_TEST((reported.empty() || (*reported.begin() == 0 && *reported.rbegin() == 9)));
  BOOST_TEST(db_stock(p) == 0);
  BOOST_TEST(ledger_sum(p) == 0, "the inventory ledger does not add up to the stock");
  if (base_urls.size() > 1)
    std::this_thread::sleep_for(1100ms);
  for (const auto& url : base_urls) {
    client reader{url};
    BOOST_TEST(stock_of(reader, p) == 0, "GET on " << url << " shows stock left");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(order_concurrency)

BOOST_AUTO_TEST_CASE(twenty_buyers_five_units) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  twenty_buyers_for_five_units({shared_server().base_url()}, c, staff.access);
}

BOOST_AUTO_TEST_CASE(twenty_buyers_five_units_on_two_servers) {
  // A second commerce-server on the same database with the same JWT secret.
  server_process second{server_process::options{}};
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const std::vector<std::string> nodes = {shared_server().base_url(), second.base_url()};
  twenty_buyers_for_five_units(nodes, c, staff.access);
  fifteen_sales_for_ten_units(nodes, c, staff.access);
  second.stop();
  BOOST_TEST((second.exit_code() == std::optional<int>{0}),
             "the second server ended with " << second.exit_description() << "; log tail:\n" << second.log_tail(30));
}

BOOST_AUTO_TEST_CASE(one_idempotency_key_ten_requests_one_order) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  const auto& user = buyers().front();
  const int64_t p = create_product(c, staff.access, "Once only", "15.00", 10);
  const auto key = unique_tag("same-key-");
  const auto body = order_body({{p, 3}});
  const auto before = db_int("SELECT count(*) FROM orders WHERE user_id = $1::bigint", {std::to_string(user.id)});

  auto results = race({shared_server().base_url()}, 10, [&](int, client& rc) {
    return post_with_key(rc, "/api/orders/", body, user.access, key);
  });
  std::set<int64_t> ids;
  int fresh = 0;
  for (const auto& r : results) {
    CHECK_STATUS(r, 201);
    if (r.status != 201)
      continue;
    ids.insert(int_of(r.json, "id").value_or(-1));
    fresh += !r.has_header("Idempotent-Replayed");
  }
  BOOST_TEST(ids.size() == 1u, "one key made " << ids.size() << " orders");
  BOOST_TEST(fresh == 1, fresh << " answers were not marked Idempotent-Replayed: true");
  BOOST_TEST(stock_of(c, p) == 7, "the stock was reserved more than once");
  BOOST_TEST(db_stock(p) == 7);
  BOOST_TEST(ledger_sum(p) == 7);
  BOOST_TEST(db_int("SELECT count(*) FROM orders WHERE user_id = $1::bigint", {std::to_string(user.id)}) == before + 1);
}

BOOST_AUTO_TEST_CASE(fifteen_sales_ten_units) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  fifteen_sales_for_ten_units({shared_server().base_url()}, c, staff.access);
}

BOOST_AUTO_TEST_SUITE_END()
