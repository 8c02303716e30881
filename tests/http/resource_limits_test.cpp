// Resource limits at the front door (issue 8, point 5): unknown ids leave no actor behind, the
// request line and the headers have limits (414, 431), slow clients are cut off, the number of
// connections has a cap, and a statement stuck in PostgreSQL is cancelled.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <tuple>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// The admin console's counters: live children of the products and orders supervisors, and
/// every running actor of the server.
struct actor_counts {
  int64_t products = 0;
  int64_t orders = 0;
  int64_t running = 0;
};

actor_counts counts(client& c, const std::string& staff_token) {
  auto r = c.get("/api/admin/actors/", staff_token);
  REQUIRE_STATUS(r, 200);
  actor_counts out;
  out.products = int_of(r.json["supervisors"]["products"], "active").value_or(-1);
  out.orders = int_of(r.json["supervisors"]["orders"], "active").value_or(-1);
  out.running = int_of(r.json, "running_actors").value_or(-1);
  return out;
}

/// GETs `path_of(i)` for i in [0, n) from `threads` threads; every answer must be 404.
void get_unknown(const std::string& base_url, int n, int threads, const std::string& bearer,
                 const std::function<std::string(int)>& path_of) {
  std::atomic<int> next{0}, wrong{0};
  std::string first_wrong;
  std::mutex m;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      client c{base_url};
      for (int i = next++; i < n; i = next++) {
        auto r = c.get(path_of(i), bearer);
        if (r.status != 404) {
          std::lock_guard<std::mutex> guard{m};
          if (wrong++ == 0)
            first_wrong = r.request + " -> " + r.describe();
        }
      }
    });
  for (auto& t : pool)
    t.join();
  BOOST_TEST(wrong.load() == 0, wrong.load() << " answers were not 404; the first: " << first_wrong);
}

/// A raw TCP connection to 127.0.0.1:port (for what libcurl will not send).
class raw_connection {
public:
  explicit raw_connection(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  ~raw_connection() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool send_all(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  /// Ends both directions (unblocks a send_all() in another thread).
  void shutdown_both() { ::shutdown(fd_, SHUT_RDWR); }
  /// Reads until the peer closes or `limit` passes; `closed` tells which.
  std::string read_until_closed(std::chrono::milliseconds limit, bool& closed) {
    std::string out;
    closed = false;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0)
        continue;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

private:
  int fd_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(resource_limits)

BOOST_AUTO_TEST_CASE(unknown_ids_leave_no_actor_behind) {
  const auto& server = shared_server();
  client c{server.base_url()};
  auto staff = staff_account(c);
  auto buyer = new_account(c, "unknown-ids");
  auto before = counts(c, staff.access);

  // Ids far above any the database has handed out.
  const int64_t base = 9'000'000'000'000 + (static_cast<int64_t>(getpid()) << 20);
  get_unknown(server.base_url(), 10'000, 4, "",
              [&](int i) { return "/api/products/" + std::to_string(base + i) + "/"; });
  get_unknown(server.base_url(), 300, 4, buyer.access,
              [&](int i) { return "/api/orders/" + std::to_string(base + i) + "/"; });

  // The retired actors finish their mailboxes and stop: allow the counts a moment to settle.
  actor_counts after;
  poll_until([&] {
    after = counts(c, staff.access);
    return after.products <= before.products && after.orders <= before.orders &&
           after.running <= before.running + 2;
  }, 5s);
  BOOST_TEST(after.products <= before.products, "live product actors: " << before.products << " before, "
                                                                        << after.products << " after");
  BOOST_TEST(after.orders <= before.orders, "live order actors: " << before.orders << " before, " << after.orders
                                                                  << " after");
  // The per-request actors are gone too (2: this request's own and its authentication).
  BOOST_TEST(after.running <= before.running + 2, "running actors: " << before.running << " before, "
                                                                     << after.running << " after");
}

BOOST_AUTO_TEST_CASE(an_entity_created_right_after_a_not_found_is_served) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  // The next id the products table will hand out: asked for (404) while it does not exist yet,
  // then created and asked for again at once.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto next = db_int("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM products_id_seq");
    auto path = "/api/products/" + std::to_string(next) + "/";
    for (int i = 0; i < 3; ++i)
      CHECK_ERROR(c.get(path), 404, "not_found");
    auto id = create_product(c, staff.access, "Born after a 404 " + unique_tag(), "10.00", 5);
    if (id != next)
      continue;  // another writer took that id; try the next one
    auto r = c.get(path);
    CHECK_STATUS(r, 200);
    BOOST_TEST(int_of(r.json, "quantity") == std::optional<int64_t>{5}, r.describe());
    return;
  }
  BOOST_FAIL("the products table handed out unexpected ids three times");
}

BOOST_AUTO_TEST_CASE(request_line_and_headers_have_limits) {
  client c{shared_server().base_url()};
  // The defaults: 8 KiB of request line, 16 KiB of headers.
  auto long_path = c.get("/api/products/" + std::string(9000, 'a') + "/");
  CHECK_ERROR(long_path, 414, "uri_too_long");
  BOOST_TEST(long_path.has_header("X-Request-ID"), long_path.describe());
  CHECK_ERROR(c.get("/api/products/?ordering=" + std::string(9000, 'x')), 414, "uri_too_long");
  CHECK_ERROR(c.get("/api/products/" + std::string(7000, 'a') + "/"), 404, "not_found");  // under the limit

  request_options many;
  for (int i = 0; i < 20; ++i)
    many.headers.push_back("X-Padding-" + std::to_string(i) + ": " + std::string(1000, 'p'));
  CHECK_ERROR(c.request("GET", "/api/products/", std::nullopt, many), 431, "headers_too_large");
  request_options one;
  one.headers.push_back("X-Large: " + std::string(17 * 1024, 'q'));
  CHECK_ERROR(c.request("GET", "/api/products/", std::nullopt, one), 431, "headers_too_large");
  request_options cookies;
  cookies.headers.push_back("Cookie: a=" + std::string(9000, 'c') + "; b=" + std::string(9000, 'd'));
  CHECK_ERROR(c.request("GET", "/api/products/", std::nullopt, cookies), 431, "headers_too_large");
  request_options fine;
  fine.headers.push_back("X-Fine: " + std::string(8 * 1024, 'f'));
  CHECK_STATUS(c.request("GET", "/api/products/", std::nullopt, fine), 200);
  CHECK_STATUS(c.get("/health/"), 200);  // the connection and the server are fine afterwards
}

BOOST_AUTO_TEST_CASE(a_huge_request_head_is_cut_off_before_it_is_parsed) {
  // Pistache re-parses the request line and headers on every 4 KiB read: 4 MiB of headers once
  // held an I/O thread for ~24 s before the 431. Now the head is cut off once it passes the limits.
  for (const auto& [what, head, expected] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"4 MiB of headers", [] {
            std::string h = "GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            for (int i = 0; h.size() < (4u << 20); ++i)
              h += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
            return h + "\r\n";
          }(), "HTTP/1.1 431"},
         {"a 4 MiB request line", "GET /health/?q=" + std::string(4u << 20, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
          "HTTP/1.1 414"}}) {
    raw_connection attacker{shared_server().port()};
    std::thread sender([&, head = head] { attacker.send_all(head); });  // blocks once the server stops reading
    auto started = std::chrono::steady_clock::now();
    bool closed = false;
    auto answer = attacker.read_until_closed(5s, closed);
    auto waited = std::chrono::steady_clock::now() - started;
    attacker.shutdown_both();
    sender.join();
    BOOST_TEST(answer.rfind(expected, 0) == 0, what << ": answered within 5 s: '" << answer.substr(0, 200) << "'");
    BOOST_TEST((waited < 5s), what << ": took " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
  }
  client c{shared_server().base_url()};
  CHECK_STATUS(c.get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(slow_clients_are_cut_off_but_slow_handlers_are_not) {
  gateway_mock ship;
  gateway_mock mail;
  // The carrier takes 2.5 s: longer than HEADER_TIMEOUT_MS, well within GATEWAY_TIMEOUT_MS.
  answer_options carrier_delay;
  carrier_delay.json_content_type = true;
  carrier_delay.delay_ms = 2500;
  ship.expect(mock_answer("POST", "/api/v1/shipping/calculate", 200,
                          R"({"cost":250.0,"delivery_days":3,"service":"standard"})", carrier_delay));
  server_process server{gateway_server("SHIPPING", ship.base_url(), mail.base_url(),
                                       {{"HEADER_TIMEOUT_MS", std::string{"1000"}},
                                        {"GATEWAY_TIMEOUT_MS", std::string{"5000"}}})};
  client c{server.base_url()};
  auto owner = new_account(c, "slow-handler");

  // Half a request, then silence: cut off after about a second (Pistache checks every 0.5 s).
  raw_connection slow{server.port()};
  BOOST_TEST_REQUIRE(slow.send_all("GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  auto started = std::chrono::steady_clock::now();
  bool closed = false;
  auto answer = slow.read_until_closed(6s, closed);
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_TEST(closed, "a client that never finished its headers is still connected after 6 s");
  BOOST_TEST((waited < 3s), "cut off only after " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
  BOOST_TEST(answer.find("408") != std::string::npos, "answer: " << answer);

  // A request whose handler waits 2.5 s for the carrier is answered, on a fresh connection and on
  // a kept-alive one alike.
  client fresh{server.base_url()};
  for (auto* on : {&fresh, &c}) {
    auto r = on->post("/api/shipping/calculate/",
                    R"({"destination":{"city":"Moscow","postal_code":"101000"},"packages":[{"weight":1.5}],"service":"standard"})",
                    owner.access);
    CHECK_STATUS(r, 200);
    BOOST_TEST(same_money(number_of(r.json, "cost"), 250.0), r.describe());
  }
  stop_cleanly(server, "the slow-client server");
}

BOOST_AUTO_TEST_CASE(open_connections_have_a_cap) {
  constexpr int cap = 4;
  server_process::options o;
  o.env["MAX_CONNECTIONS"] = std::to_string(cap);
  server_process server{o};
  client c{server.base_url()};
  CHECK_STATUS(c.get("/health/"), 200);  // c keeps this connection open

  constexpr int extra = 8;
  std::vector<std::unique_ptr<raw_connection>> held;
  for (int i = 0; i < extra; ++i)
    held.push_back(std::make_unique<raw_connection>(server.port()));
  std::this_thread::sleep_for(300ms);
  int refused = 0, kept = 0;
  for (auto& h : held) {
    bool closed = false;
    auto answer = h->read_until_closed(200ms, closed);
    if (closed) {
      ++refused;
      BOOST_TEST(answer.rfind("HTTP/1.1 503", 0) == 0, "a refused connection was told: " << answer);
      BOOST_TEST(answer.find("\"service_unavailable\"") != std::string::npos, answer);
    } else {
      ++kept;
      BOOST_TEST(answer.empty(), "an idle connection was sent: " << answer);
    }
  }
  BOOST_TEST(kept <= cap - 1, kept << " of " << extra << " more connections were kept beside ours (cap " << cap << ")");
  BOOST_TEST(refused >= extra - (cap - 1), refused << " connections were refused");
  CHECK_STATUS(c.get("/health/"), 200);  // an existing connection keeps working

  held.clear();  // their slots are released when Pistache sees them go
  bool served = poll_until([&] {
    client fresh{server.base_url()};
    return fresh.get("/health/").status == 200;
  }, 5s, 100ms);
  BOOST_TEST(served, "new connections are still refused after the others closed");
  stop_cleanly(server, "the capped server");
}

BOOST_AUTO_TEST_CASE(a_statement_stuck_in_postgresql_is_cancelled) {
  server_process::options o;
  o.env["DB_STATEMENT_TIMEOUT_MS"] = "500";
  o.env["REQUEST_TIMEOUT_MS"] = "8000";
  server_process server{o};
  client c{server.base_url()};
  auto staff = staff_account(c);
  auto product = create_product(c, staff.access, "Locked " + unique_tag(), "10.00", 5);

  // Another session holds the product's row: the server's stock update waits for it.
  std::unique_ptr<PGconn, decltype(&PQfinish)> locker{PQconnectdb(test_database_url().c_str()), &PQfinish};
  BOOST_TEST_REQUIRE((PQstatus(locker.get()) == CONNECTION_OK), PQerrorMessage(locker.get()));
  auto lock_sql = "BEGIN; SELECT 1 FROM products WHERE id = " + std::to_string(product) + " FOR UPDATE";
  PQclear(PQexec(locker.get(), lock_sql.c_str()));

  const auto path = "/api/products/" + std::to_string(product) + "/inventory/";
  auto started = std::chrono::steady_clock::now();
  auto stuck = c.put(path, R"({"quantity":1,"operation":"restock"})", staff.access);
  auto waited = std::chrono::steady_clock::now() - started;
  PQclear(PQexec(locker.get(), "ROLLBACK"));
  CHECK_ERROR(stuck, 503, "service_unavailable");
  BOOST_TEST((waited < 3s), "the request waited " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                                                   << " ms for the lock");
  // The cancelled statement left the connection usable.
  auto after = c.put(path, R"({"quantity":1,"operation":"restock"})", staff.access);
  CHECK_STATUS(after, 200);
  BOOST_TEST(int_of(after.json, "quantity") == std::optional<int64_t>{6}, after.describe());
  stop_cleanly(server, "the statement-timeout server");
}

BOOST_AUTO_TEST_SUITE_END()
