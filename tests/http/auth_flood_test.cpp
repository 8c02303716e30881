// Authentication under floods and credential changes across nodes (issue 8, points 4 and 6):
// a login storm never delays the account's other requests; login, register, refresh,
// verify-email and change-password are rate-limited per account and per client address (shared
// through Redis by every node); over-long passwords are refused before any hashing; and a
// password change, a deactivation or a lost staff role reaches every node within CACHE_TTL_MS.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// Rate limits so high that only the limits a test sets itself apply.
env_overrides generous_limits() {
  return {{"AUTH_ADDRESS_RATE_PER_MINUTE", "100000"}, {"AUTH_ADDRESS_BURST", "100000"},
          {"AUTH_ACCOUNT_RATE_PER_MINUTE", "100000"}, {"AUTH_ACCOUNT_BURST", "100000"}};
}

env_overrides with(env_overrides base, const env_overrides& more) {
  for (const auto& [k, v] : more)
    base[k] = v;
  return base;
}

/// A client address nobody else in this run uses (the rate-limit buckets outlive a server in Redis).
std::string unique_address() {
  static std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> octet(1, 254);
  return "10." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng)) + "." + std::to_string(octet(rng));
}

response login_from(client& c, const std::string& address, const std::string& email, const std::string& password) {
  request_options o;
  o.headers.push_back("X-Forwarded-For: " + address);
  return c.request("POST", "/api/auth/login/", json_object{{"email", email}, {"password", password}}, o);
}

/// A 429 in API.md's shape with Retry-After in whole seconds within [1, max_seconds].
void check_rate_limited(const response& r, int max_seconds) {
  CHECK_ERROR(r, 429, "rate_limited");
  auto retry = r.header("Retry-After");
  BOOST_TEST(!retry.empty(), r.describe() << ": no Retry-After");
  if (!retry.empty()) {
    BOOST_TEST(std::all_of(retry.begin(), retry.end(), [](char ch) { return ch >= '0' && ch <= '9'; }),
               "Retry-After is not whole seconds: " << retry);
    auto seconds = std::stol(retry);
    BOOST_TEST(seconds >= 1);
    BOOST_TEST(seconds <= max_seconds);
  }
  BOOST_TEST(r.is_json);
  if (r.is_json) {
    BOOST_TEST(r.json["error"].HasMember("message"));
    BOOST_TEST(r.json["error"].HasMember("fields"));
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(auth_flood)

// Eight clients hammer one account with wrong passwords for five seconds while a ninth reads
// that account's profile: the Argon2 checks must not hold the account's actor. One crypto worker
// leaves a core for everything else, so what is measured is queueing, not the CPU.
BOOST_AUTO_TEST_CASE(login_storm_does_not_delay_the_accounts_requests) {
  server_process server{with(generous_limits(), {{"CRYPTO_WORKERS", "1"}, {"CRYPTO_QUEUE_LIMIT", "1000"}})};
  client setup{server.base_url()};
  auto victim = new_account(setup, "storm");

  std::atomic<bool> stop{false};
  std::atomic<int> storm_requests{0}, storm_unexpected{0};
  std::vector<std::thread> storm;
  for (int i = 0; i < 8; ++i)
    storm.emplace_back([&] {
      client c{server.base_url()};
      while (!stop.load()) {
        auto r = login(c, victim.email, "Wrong-passw0rd");
        ++storm_requests;
        if (r.status != 401 && r.status != 429 && r.status != 503)
          ++storm_unexpected;
      }
    });
  std::this_thread::sleep_for(500ms);  // let the storm fill the queues

  client reader{server.base_url()};
  std::vector<double> latencies_ms;
  int failures = 0;
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = reader.get("/api/users/profile/", victim.access);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    failures += r.status != 200;
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  for (auto& t : storm)
    t.join();

  auto p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  BOOST_TEST_MESSAGE("login storm: " << storm_requests.load() << " logins; profile GET p50 " << p50 << " ms, p99 " << p99
                                     << " ms over " << latencies_ms.size() << " requests");
  std::cout << "login storm: " << storm_requests.load() << " logins; profile GET p50 " << p50 << " ms, p99 " << p99
            << " ms over " << latencies_ms.size() << " requests" << std::endl;
  BOOST_TEST(failures == 0);
  BOOST_TEST(storm_unexpected.load() == 0);
  BOOST_TEST(storm_requests.load() > 16, "the storm never got going");
  BOOST_TEST(p99 < 100.0, "profile p99 " << p99 << " ms during a login storm (p50 " << p50 << " ms)");
}

// A full crypto queue answers 503 at once, with Retry-After, instead of queueing without bound.
BOOST_AUTO_TEST_CASE(full_crypto_queue_answers_503_with_retry_after) {
  server_process server{with(generous_limits(), {{"CRYPTO_WORKERS", "1"}, {"CRYPTO_QUEUE_LIMIT", "1"}})};
  auto email = unique_email("busy");
  std::vector<response> results(12);
  start_gate gate{12};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&, i] {
      client c{server.base_url()};
      c.get("/health/");
      gate.arrive_and_wait();
      results[i] = login(c, email, "Wrong-passw0rd");
    });
  gate.wait_for_all();
  gate.open();
  for (auto& t : threads)
    t.join();
  int busy = 0;
  for (const auto& r : results) {
    BOOST_TEST((r.status == 401 || r.status == 503), r.describe());
    if (r.status == 503) {
      ++busy;
      CHECK_ERROR(r, 503, "service_unavailable");
      BOOST_TEST(r.header("Retry-After") == "1", r.describe());
    }
  }
  BOOST_TEST(busy > 0, "twelve simultaneous logins never filled a queue of one");
}

BOOST_AUTO_TEST_CASE(over_long_passwords_are_refused_before_hashing) {
  auto& server = shared_server();
  client c{server.base_url()};
  std::string long_password = "a1" + std::string(1100, 'x');
  CHECK_FIELD_ERROR(login(c, unique_email("long"), long_password), "password");
  CHECK_FIELD_ERROR(register_user(c, unique_email("long"), long_password), "password");
  auto a = new_account(c, "longpw");
  CHECK_FIELD_ERROR(login(c, a.email, long_password), "password");
  CHECK_FIELD_ERROR(c.post("/api/auth/change-password/",
                           json_object{{"old_password", long_password}, {"new_password", "NewPassw0rd"}}, a.access),
                    "old_password");
  CHECK_FIELD_ERROR(c.post("/api/auth/change-password/",
                           json_object{{"old_password", a.password}, {"new_password", long_password}},
                           a.access),
                    "new_password");
  // 1,024 bytes is still a password (a wrong one here).
  CHECK_ERROR(login(c, a.email, "a1" + std::string(1022, 'x')), 401, "invalid_credentials");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_rate_limits)

// Per account: wrong passwords from ever new addresses still run out the account's bucket, and
// then even the right password waits; another account from the same addresses is not affected.
BOOST_AUTO_TEST_CASE(per_account_limit) {
  server_process server{with(generous_limits(), {{"TRUSTED_PROXIES", "127.0.0.1"},
                                                 {"AUTH_ACCOUNT_BURST", "4"},
                                                 {"AUTH_ACCOUNT_RATE_PER_MINUTE", "6"}})};
  client c{server.base_url()};
  auto a = new_account(c, "ratelimit");  // registering takes one token of the e-mail's bucket
  std::vector<response> answers;
  for (int i = 0; i < 5; ++i)
    answers.push_back(login_from(c, unique_address(), a.email, "Wrong-passw0rd"));
  for (int i = 0; i < 3; ++i)
    CHECK_ERROR(answers[i], 401, "invalid_credentials");
  check_rate_limited(answers[3], 10);
  check_rate_limited(answers[4], 10);
  check_rate_limited(login_from(c, unique_address(), a.email, a.password), 10);
  // The e-mail is normalised before it names the bucket.
  auto upper = a.email;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) { return std::toupper(ch); });
  check_rate_limited(login_from(c, unique_address(), "  " + upper, a.password), 10);
  auto other = new_account(c, "ratelimit");
  REQUIRE_STATUS(login_from(c, unique_address(), other.email, other.password), 200);

  // Refresh and change-password are limited per user id.
  auto b = new_account(c, "ratelimit");
  int refreshed = 0;
  response last;
  for (int i = 0; i < 6; ++i) {
    last = c.post("/api/auth/token/refresh/", json_object{{"refresh", b.refresh}});
    refreshed += last.status == 200;
  }
  BOOST_TEST(refreshed == 4);
  check_rate_limited(last, 10);
  auto d = new_account(c, "ratelimit");
  for (int i = 0; i < 4; ++i)
    CHECK_FIELD_ERROR(c.post("/api/auth/change-password/",
                             json_object{{"old_password", "Wrong-passw0rd"}, {"new_password", "NewPassw0rd99"}}, d.access),
                      "old_password");
  check_rate_limited(c.post("/api/auth/change-password/",
                            json_object{{"old_password", "Wrong-passw0rd"}, {"new_password", "NewPassw0rd99"}}, d.access),
                     10);
  stop_cleanly(server, "the per-account limit server");
}

// Per address: one address guessing many accounts runs out its own bucket; other addresses don't.
BOOST_AUTO_TEST_CASE(per_address_limit) {
  server_process server{with(generous_limits(), {{"TRUSTED_PROXIES", "127.0.0.1"},
                                                 {"AUTH_ADDRESS_BURST", "3"},
                                                 {"AUTH_ADDRESS_RATE_PER_MINUTE", "2"}})};
  client c{server.base_url()};
  auto guesser = unique_address();
  for (int i = 0; i < 3; ++i)
    CHECK_ERROR(login_from(c, guesser, unique_email("guess"), "Wrong-passw0rd"), 401, "invalid_credentials");
  check_rate_limited(login_from(c, guesser, unique_email("guess"), "Wrong-passw0rd"), 30);
  // Register and verify-email draw on the same address bucket.
  request_options o;
  o.headers.push_back("X-Forwarded-For: " + guesser);
  check_rate_limited(c.request("POST", "/api/auth/register/",
                               json_object{{"email", unique_email("guess")}, {"password", "Passw0rd-123"}}, o),
                     30);
  check_rate_limited(c.request("POST", "/api/auth/verify-email/", json_object{{"token", "nope"}}, o), 30);
  CHECK_ERROR(login_from(c, unique_address(), unique_email("guess"), "Wrong-passw0rd"), 401, "invalid_credentials");
  stop_cleanly(server, "the per-address limit server");
}

// Two servers on one Redis share one bucket per account: a burst of 4 allows 4 attempts in all,
// not 4 on each node.
BOOST_AUTO_TEST_CASE(limit_is_shared_across_nodes_through_redis) {
  auto settings = with(generous_limits(), {{"AUTH_ACCOUNT_BURST", "4"}, {"AUTH_ACCOUNT_RATE_PER_MINUTE", "1"}});
  server_process a{settings}, b{settings};
  client ca{a.base_url()}, cb{b.base_url()};
  auto email = unique_email("shared");
  int refused = 0, answered = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = login(i % 2 ? cb : ca, email, "Wrong-passw0rd");
    if (r.status == 429) {
      check_rate_limited(r, 60);
      ++refused;
    } else {
      CHECK_ERROR(r, 401, "invalid_credentials");
      ++answered;
    }
  }
  BOOST_TEST(answered == 4);
  BOOST_TEST(refused == 4);
  stop_cleanly(a, "node A");
  stop_cleanly(b, "node B");
}

// Redis unreachable: the node limits with its own buckets (neither open to guessing nor closed
// to everyone), and answers at once rather than after a Redis timeout per request.
BOOST_AUTO_TEST_CASE(redis_down_falls_back_to_this_nodes_buckets) {
  auto dir = make_temp_dir("no-redis");
  server_process server{{with(generous_limits(), {{"REDIS_URL", "unix://" + dir + "/absent.sock"},
                                                  {"AUTH_ACCOUNT_BURST", "2"},
                                                  {"AUTH_ACCOUNT_RATE_PER_MINUTE", "1"}}),
                         {},
                         std::chrono::seconds(30),
                         false}};
  client c{server.base_url()};
  auto email = unique_email("noredis");
  CHECK_ERROR(login(c, email, "Wrong-passw0rd"), 401, "invalid_credentials");
  CHECK_ERROR(login(c, email, "Wrong-passw0rd"), 401, "invalid_credentials");
  auto t0 = std::chrono::steady_clock::now();
  check_rate_limited(login(c, email, "Wrong-passw0rd"), 60);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < 1s), "a refusal waited for Redis");
  stop_cleanly(server, "the server without Redis");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credentials_across_nodes)

namespace {

constexpr auto cache_ttl = 400ms;
constexpr auto margin = 1600ms;

env_overrides two_node_settings() { return with(generous_limits(), {{"CACHE_TTL_MS", "400"}}); }

/// Polls `probe` until it returns `status`; how long that took, or nullopt after cache_ttl + margin.
std::optional<std::chrono::milliseconds> time_until(const std::function<response()>& probe, long status,
                                                    response& last) {
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < cache_ttl + margin) {
    last = probe();
    if (last.status == status)
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    std::this_thread::sleep_for(25ms);
  }
  return std::nullopt;
}

}  // namespace

BOOST_AUTO_TEST_CASE(password_change_deactivation_and_staff_removal_reach_the_other_node) {
  server_process a{two_node_settings()}, b{two_node_settings()};
  client ca{a.base_url()}, cb{b.base_url()};

  // A password changed on node A revokes the old token on node B.
  auto user = new_account(ca, "twonode");
  REQUIRE_STATUS(cb.get("/api/users/profile/", user.access), 200);
  REQUIRE_STATUS(ca.post("/api/auth/change-password/",
                         json_object{{"old_password", user.password}, {"new_password", "Changed-passw0rd"}},
                         user.access),
                 200);
  response last;
  auto took = time_until([&] { return cb.get("/api/users/profile/", user.access); }, 401, last);
  BOOST_TEST(took.has_value(), "node B still accepts the old token: " << last.describe());
  if (took)
    BOOST_TEST_MESSAGE("password change reached node B after " << took->count() << " ms");

  // A user deactivated in SQL is refused on node B.
  auto gone = new_account(ca, "twonode");
  REQUIRE_STATUS(cb.get("/api/users/profile/", gone.access), 200);
  db_int("UPDATE users SET is_active = false WHERE id = $1::bigint RETURNING id", {std::to_string(gone.id)});
  took = time_until([&] { return cb.get("/api/users/profile/", gone.access); }, 401, last);
  BOOST_TEST(took.has_value(), "node B still serves a deactivated user: " << last.describe());

  // A staff role removed in SQL stops staff writes on node B.
  auto staff = new_account(ca, "twonode");
  db_int("UPDATE users SET is_staff = true WHERE id = $1::bigint RETURNING id", {std::to_string(staff.id)});
  auto staff_write = [&] { return cb.post("/api/products/", "{}", staff.access); };
  BOOST_TEST_REQUIRE(poll_until([&] { return staff_write().status == 400; }, cache_ttl + margin));  // staff: the body is wrong
  db_int("UPDATE users SET is_staff = false WHERE id = $1::bigint RETURNING id", {std::to_string(staff.id)});
  took = time_until(staff_write, 403, last);
  BOOST_TEST(took.has_value(), "node B still lets a former staff member write: " << last.describe());

  stop_cleanly(a, "node A");
  stop_cleanly(b, "node B");
}

// With a cache lifetime of a minute, only PostgreSQL's NOTIFY (migration 0007's trigger, each
// node's listener) can make node B see the changes within a second or two.
BOOST_AUTO_TEST_CASE(changes_reach_the_other_node_through_notify_long_before_the_cache_ttl) {
  auto settings = with(generous_limits(), {{"CACHE_TTL_MS", "60000"}});
  server_process a{settings}, b{settings};
  client ca{a.base_url()}, cb{b.base_url()};
  auto within = [](const std::function<response()>& probe, long status, response& last) {
    return poll_until(
      [&] {
        last = probe();
        return last.status == status;
      },
      2s, 25ms);
  };
  response last;

  auto user = new_account(ca, "notify");
  REQUIRE_STATUS(cb.get("/api/users/profile/", user.access), 200);
  REQUIRE_STATUS(ca.post("/api/auth/change-password/",
                         json_object{{"old_password", user.password}, {"new_password", "Changed-passw0rd"}},
                         user.access),
                 200);
  BOOST_TEST(within([&] { return cb.get("/api/users/profile/", user.access); }, 401, last),
             "node B still accepts the old token: " << last.describe());

  auto gone = new_account(ca, "notify");
  REQUIRE_STATUS(cb.get("/api/users/profile/", gone.access), 200);
  db_int("UPDATE users SET is_active = false WHERE id = $1::bigint RETURNING id", {std::to_string(gone.id)});
  BOOST_TEST(within([&] { return cb.get("/api/users/profile/", gone.access); }, 401, last),
             "node B still serves a deactivated user: " << last.describe());

  auto staff = new_account(ca, "notify");
  db_int("UPDATE users SET is_staff = true WHERE id = $1::bigint RETURNING id", {std::to_string(staff.id)});
  auto staff_write = [&] { return cb.post("/api/products/", "{}", staff.access); };
  BOOST_TEST_REQUIRE(within(staff_write, 400, last), last.describe());
  db_int("UPDATE users SET is_staff = false WHERE id = $1::bigint RETURNING id", {std::to_string(staff.id)});
  BOOST_TEST(within(staff_write, 403, last), "node B still lets a former staff member write: " << last.describe());

  stop_cleanly(a, "node A");
  stop_cleanly(b, "node B");
}

BOOST_AUTO_TEST_SUITE_END()
