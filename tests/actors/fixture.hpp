// A real actor system, the blocking pools and a pool on the throwaway PostgreSQL that
// scripts/test starts (TEST_DATABASE_URL). One per test case, torn down with every actor.
#pragma once

#include "actors/blocking_pool.hpp"
#include "actors/cart.hpp"
#include "actors/catalog.hpp"
#include "actors/crypto.hpp"
#include "actors/order_messages.hpp"
#include "actors/orders.hpp"
#include "actors/user_messages.hpp"
#include "actors/user_supervisor.hpp"
#include "persistence/catalog_repository.hpp"
#include "persistence/migrations.hpp"
#include "persistence/pg_pool.hpp"

#include <caf/all.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace commerce::testing {

using actors::error_code;

inline std::string test_database_url() {
  const char* url = std::getenv("TEST_DATABASE_URL");
  if (!url || !*url)
    BOOST_FAIL("TEST_DATABASE_URL is not set: run the tests through scripts/test");
  return url;
}

inline std::string unique_email(const std::string& tag) {
  static std::atomic<int> counter{0};
  return tag + "." + std::to_string(getpid()) + "." + std::to_string(counter++) + "." +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007) + "@actors.test";
}

struct actor_fixture {
  std::shared_ptr<pg::pool> db;
  caf::actor_system_config cfg;  // CAF 0.17's actor_system keeps a reference to it
  std::unique_ptr<caf::actor_system> sys;
  caf::actor db_workers;
  caf::actor crypto_workers;
  std::vector<caf::actor> spawned;

  actor_fixture() {
    actors::crypto::init();
    db = pg::pool::open(test_database_url(), 4);
    {
      auto c = db->acquire();
      persistence::apply_migrations(*c);
    }
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    db_workers = actors::spawn_blocking_pool(*sys, 4, "db");
    crypto_workers = actors::spawn_blocking_pool(*sys, 2, "crypto");
  }

  ~actor_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(db_workers, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(crypto_workers, caf::exit_reason::user_shutdown);
    sys.reset();
  }

  actors::user_api supervisor(std::chrono::seconds idle = std::chrono::seconds(300), int max_restarts = 10) {
    actors::user_domain_deps d;
    d.db = db;
    d.db_workers = db_workers;
    d.crypto_workers = crypto_workers;
    d.call_timeout = std::chrono::seconds(10);
    d.idle_timeout = idle;
    d.max_restarts = max_restarts;
    d.restart_window = std::chrono::seconds(60);
    auto sup = actors::spawn_user_supervisor(*sys, d);
    spawned.push_back(caf::actor_cast<caf::actor>(sup));
    return sup;
  }

  /// The catalog, cart and order supervisors of one "node" (tests may start two on one database).
  struct commerce_node {
    actors::catalog_api catalog;
    actors::cart_api carts;
    actors::order_api orders;
  };
  commerce_node commerce(std::chrono::seconds reservation_ttl = std::chrono::seconds(1800),
                         std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(1000)) {
    actors::db_access access{db, db_workers, std::chrono::seconds(10)};
    actors::restart_policy restarts{10, std::chrono::seconds(60)};
    commerce_node n;
    n.catalog = actors::spawn_catalog_supervisor(*sys, {access, std::chrono::seconds(300), restarts, cache_ttl});
    n.carts = actors::spawn_cart_supervisor(*sys, {access, std::chrono::seconds(300), restarts});
    actors::order_deps orders;
    orders.db = access;
    orders.restarts = restarts;
    orders.cache_ttl = cache_ttl;
    orders.catalog = n.catalog;
    orders.reservation_ttl = reservation_ttl;
    orders.sweep_interval = std::chrono::seconds(0);  // tests send sweep_atom themselves
    n.orders = actors::spawn_order_supervisor(*sys, orders);
    spawned.insert(spawned.end(), {caf::actor_cast<caf::actor>(n.catalog), caf::actor_cast<caf::actor>(n.carts),
                                   caf::actor_cast<caf::actor>(n.orders)});
    return n;
  }

  /// Sends `msg` and waits for the reply of type R.
  template <class R, class Handle, class... Msg>
  R ask(const Handle& dest, Msg... msg) {
    caf::scoped_actor self{*sys};
    R out{};
    self->request(dest, std::chrono::seconds(15), std::move(msg)...)
      .receive([&](R& r) { out = std::move(r); },
               [&](caf::error& e) { BOOST_FAIL("request failed: " << sys->render(e)); });
    return out;
  }

  template <class Msg>
  actors::user_reply ask_user(const actors::user_api& sup, Msg msg) {
    return ask<actors::user_reply>(sup, std::move(msg));
  }

  actors::supervisor_stats stats(const actors::supervision_api& sup) { return ask<actors::supervisor_stats>(sup, actors::stats_atom::value); }

  /// Polls the supervisor until `done(stats)` holds or 10 s pass.
  template <class Pred>
  actors::supervisor_stats wait_for(const actors::supervision_api& sup, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto s = stats(sup);
    while (!done(s) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      s = stats(sup);
    }
    return s;
  }

  /// A user row written straight to the database, as another node would have.
  int64_t insert_user(const std::string& email, const std::string& password = "secret123") {
    auto c = db->acquire();
    auto r = c->exec("INSERT INTO users (email, password_hash, first_name) VALUES ($1, $2, 'Fixture') RETURNING id",
                     {email, actors::crypto::hash_password(password)});
    return r.int64(0, 0);
  }

  void sql(const std::string& statement, const pg::params& args = {}) {
    auto c = db->acquire();
    c->exec(statement, args);
  }

  int64_t scalar(const std::string& query, const pg::params& args = {}) {
    auto c = db->acquire();
    return c->exec(query, args).int64(0, 0);
  }

  /// A product written straight to the database (stock recorded in the ledger as 'initial').
  int64_t insert_product(int32_t stock, int64_t price_minor = 1000) {
    static std::atomic<int> n{0};
    auto sku = "ACT-" + std::to_string(getpid()) + "-" + std::to_string(n++) + "-" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    auto c = db->acquire();
    return persistence::insert_product(*c, {std::string{"Actor test product"}, std::string{}, price_minor, sku, stock}).id;
  }

  int64_t stock_of(int64_t product_id) {
    return scalar("SELECT quantity FROM products WHERE id = $1::bigint", {std::to_string(product_id)});
  }
  int64_t ledger_of(int64_t product_id) {
    auto c = db->acquire();
    return persistence::ledger_sum(*c, product_id);
  }
};

/// A listing page's product ids, in its order.
inline std::vector<int64_t> ids_of(const persistence::product_page& p) {
  std::vector<int64_t> ids;
  for (const auto& r : p.rows)
    ids.push_back(r.id);
  return ids;
}

/// The address every test order ships and bills to.
inline persistence::postal_address test_address() {
  return {"Ann", "Lee", "Tverskaya 1", "Moscow", "101000", "RU"};
}

/// A card-paid, standard-shipped order of `items` (none: from the user's cart).
inline actors::place_order order_for(int64_t user_id, std::vector<persistence::order_line_request> items = {}) {
  actors::place_order cmd;
  cmd.order.user_id = user_id;
  cmd.order.items = std::move(items);
  cmd.order.shipping_address = test_address();
  cmd.order.billing_address = test_address();
  cmd.order.payment_method = "card";
  cmd.order.shipping_method = "standard";
  return cmd;
}

/// The same order of `quantity` units of one product.
inline actors::place_order order_for(int64_t user_id, int64_t product, int32_t quantity = 1) {
  return order_for(user_id, std::vector<persistence::order_line_request>{{product, quantity}});
}

}  // namespace commerce::testing
