// The server process itself: the embedded database across a restart, start-up failures that
// fail fast with a clear message, --help, and an orderly stop on SIGTERM.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

size_t count_lines(const std::string& text) {
  size_t n = 0;
  std::string line;
  std::istringstream in{text};
  while (std::getline(in, line))
    n += !line.empty();
  return n;
}

/// Removes a test's DATA_DIR. If a failed test left the embedded PostgreSQL running (the server
/// was killed), that postmaster, started on our behalf, is stopped first by its pid.
struct data_dir_guard {
  std::string dir;
  ~data_dir_guard() {
    auto pid_file = fs::path{dir} / "postgres" / "postmaster.pid";
    if (fs::exists(pid_file)) {
      std::ifstream in{pid_file};
      long pid = 0;
      if (in >> pid && pid > 1) {
        kill(static_cast<pid_t>(pid), SIGQUIT);
        for (int i = 0; i < 200 && kill(static_cast<pid_t>(pid), 0) == 0; ++i)
          std::this_thread::sleep_for(25ms);
      }
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(server_lifecycle)

BOOST_AUTO_TEST_CASE(embedded_database_survives_a_restart) {
  // Directly under /tmp and mode 0755: the server runs the cluster as `postgres` when it is root.
  data_dir_guard guard{make_temp_dir("http-tests-embedded")};
  const auto& data_dir = guard.dir;
  server_process::options o;
  o.env = {{"DATABASE_URL", std::nullopt}, {"DATA_DIR", data_dir},        {"JWT_SECRET", std::nullopt},
           {"REDIS_URL", std::nullopt},    {"ADMIN_EMAIL", std::nullopt}, {"ADMIN_PASSWORD", std::nullopt}};
  o.ready_timeout = 60s;  // initdb
  const auto postmaster_pid = fs::path{data_dir} / "postgres" / "postmaster.pid";
  const auto email = unique_email("embedded");
  const std::string password = "Embedded-passw0rd";
  std::string access;
  int64_t id = 0;

  {
    server_process s{o};
    client c{s.base_url()};
    auto h = c.get("/health/");
    CHECK_STATUS(h, 200);
    BOOST_TEST(!h.json.HasMember("redis"), "no REDIS_URL, so no redis key: " << h.describe());
    auto reg = register_user(c, email, password);
    REQUIRE_STATUS(reg, 201);
    access = reg.str("access");
    id = reg.json["user"]["id"].GetInt64();
    BOOST_TEST(fs::exists(postmaster_pid), "the embedded cluster is not running in " << data_dir);

    // The generated JWT secret is kept in DATA_DIR, readable by its owner only.
    auto secret_file = fs::path{data_dir} / "jwt_secret";
    BOOST_TEST_REQUIRE(fs::exists(secret_file));
    auto perms = fs::status(secret_file).permissions();
    BOOST_TEST(((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none),
               "jwt_secret is readable by others");

    s.stop();
    BOOST_TEST((s.exit_code() == std::optional<int>{0}),
               "after SIGTERM: " << s.exit_description() << "; log tail:\n" << s.log_tail(30));
    BOOST_TEST(!fs::exists(postmaster_pid), "the embedded PostgreSQL is still running after the server stopped");
  }

  {
    server_process s{o};
    client c{s.base_url()};
    auto in = login(c, email, password);
    REQUIRE_STATUS(in, 200);
    BOOST_TEST(in.json["user"]["id"].GetInt64() == id);
    // Same secret as before the restart: the old token is still valid.
    auto me = c.get("/api/users/profile/", access);
    CHECK_STATUS(me, 200);
    BOOST_TEST(s.log().find("creating the embedded PostgreSQL cluster") == std::string::npos,
               "the second start created a new cluster");
    s.stop();
    BOOST_TEST((s.exit_code() == std::optional<int>{0}),
               "after SIGTERM: " << s.exit_description() << "; log tail:\n" << s.log_tail(30));
    BOOST_TEST(!fs::exists(postmaster_pid), "the embedded PostgreSQL is still running after the second stop");
  }
}

BOOST_AUTO_TEST_CASE(no_other_os_user_can_connect_to_the_embedded_database) {
  if (geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root, to connect as another OS user (setpriv)");
    return;
  }
  data_dir_guard guard{make_temp_dir("http-tests-private-pg")};
  server_process::options o;
  o.env = {{"DATABASE_URL", std::nullopt}, {"DATA_DIR", guard.dir},        {"JWT_SECRET", std::nullopt},
           {"REDIS_URL", std::nullopt},    {"ADMIN_EMAIL", std::nullopt}, {"ADMIN_PASSWORD", std::nullopt}};
  o.ready_timeout = 60s;  // initdb
  server_process s{o};
  client c{s.base_url()};
  CHECK_STATUS(c.get("/health/"), 200);

  // psql on the cluster's socket, as `nobody`: refused, whatever database user it claims to be.
  auto socket_dir = guard.dir + "/run";
  auto out = guard.dir + "/psql-as-nobody.txt";
  std::string command = "setpriv --reuid=nobody --regid=nogroup --clear-groups -- psql -X -w -h " + socket_dir +
                        " -p 5432 -U commerce -d commerce -tAc 'SELECT 4242424242' >" + out + " 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in{out};
  std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(status != 0, "another OS user connected to the embedded PostgreSQL: " << said);
  // The query's answer must not appear (a number that a random temporary path cannot contain).
  BOOST_TEST(said.find("4242424242") == std::string::npos, said);
  struct stat st {};
  BOOST_TEST_REQUIRE(stat(socket_dir.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 077) == 0u, socket_dir << " is open to others: mode " << std::oct << (st.st_mode & 07777));

  // The server itself (root) still works with it.
  auto reg = register_user(c, unique_email("private-pg"), "Private-passw0rd");
  CHECK_STATUS(reg, 201);
  s.stop();
  BOOST_TEST((s.exit_code() == std::optional<int>{0}), s.exit_description() << "; log tail:\n" << s.log_tail(30));
}

BOOST_AUTO_TEST_CASE(a_data_dir_the_cluster_user_cannot_reach_stops_the_start_with_one_line) {
  if (geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: only root hands the cluster to another user");
    return;
  }
  data_dir_guard guard{make_temp_dir("http-tests-closed-parent")};
  chmod(guard.dir.c_str(), 0700);  // root's own: `postgres` cannot enter it
  auto data_dir = guard.dir + "/data";
  auto r = run_server_to_exit({{"DATABASE_URL", std::nullopt}, {"DATA_DIR", data_dir}, {"JWT_SECRET", std::nullopt},
                               {"PORT", std::to_string(free_port())}},
                              {}, 30s);
  BOOST_TEST_REQUIRE(!r.timed_out, "still running after 30 s; stderr: " << r.err);
  BOOST_TEST((r.exit_code == std::optional<int>{2}), "exit code; stderr: " << r.err << " stdout: " << r.out);
  BOOST_TEST(count_lines(r.err) == 1u, "expected one line on stderr, got:\n" << r.err);
  BOOST_TEST(r.err.find("DATA_DIR") != std::string::npos, r.err);
  BOOST_TEST(r.err.find(guard.dir + " ") != std::string::npos, "the line does not name the directory to change: " << r.err);
}

BOOST_AUTO_TEST_CASE(the_production_profile_fails_closed) {
  // The test environment has a database and a JWT secret, but no gateway is configured: in
  // production the local mocks and the document's mock API are not fallbacks.
  check_refused_at_start({{"APP_ENV", "production"}}, "PAYMENT_SERVICE_URL", "APP_ENV=production without gateways");
  check_refused_at_start({{"APP_ENV", "production"}, {"JWT_SECRET", std::nullopt}}, "JWT_SECRET",
                         "APP_ENV=production without JWT_SECRET");
  check_refused_at_start({{"APP_ENV", "production"},
                          {"PAYMENT_PROVIDER", "generic"},
                          {"PAYMENT_SERVICE_URL", "http://localhost:1080"},
                          {"SHIPPING_PROVIDER", "generic"},
                          {"SHIPPING_SERVICE_URL", "https://carrier.example"},
                          {"EMAIL_PROVIDER", "generic"},
                          {"EMAIL_SERVICE_URL", "https://mail.example"}},
                         "PAYMENT_SERVICE_URL", "APP_ENV=production with the payment mock's address");
}

BOOST_AUTO_TEST_CASE(bad_port_fails_fast_with_exit_code_2) {
  auto r = run_server_to_exit({{"PORT", "abc"}}, {}, 5s);
  BOOST_TEST_REQUIRE(!r.timed_out, "still running after 5 s; stderr: " << r.err);
  BOOST_TEST((r.exit_code == std::optional<int>{2}), "stderr: " << r.err << " stdout: " << r.out);
  BOOST_TEST(count_lines(r.err) == 1u, "expected one line on stderr, got:\n" << r.err);
  BOOST_TEST(r.err.find("PORT") != std::string::npos, r.err);

  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"PORT", "70000"},
                                                        {"PORT", ""},
                                                        {"JWT_SECRET", "too-short"},
                                                        {"ACCESS_TOKEN_TTL_SECONDS", "5"},
                                                        {"ACCESS_LOG", "maybe"}}) {
    auto bad = run_server_to_exit({{name, value}}, {}, 5s);
    BOOST_TEST((!bad.timed_out && bad.exit_code == std::optional<int>{2}),
               name << "=" << value << ": " << (bad.timed_out ? "timed out" : "exit") << "; stderr: " << bad.err);
    BOOST_TEST(bad.err.find(name) != std::string::npos, name << "=" << value << ": stderr: " << bad.err);
    BOOST_TEST(bad.err.find(jwt_secret) == std::string::npos, "stderr shows the JWT secret");
  }
  auto half_admin = run_server_to_exit({{"ADMIN_PASSWORD", std::nullopt}}, {}, 5s);
  BOOST_TEST((!half_admin.timed_out && half_admin.exit_code == std::optional<int>{2}), half_admin.err);
  BOOST_TEST(half_admin.err.find("ADMIN_PASSWORD") != std::string::npos, half_admin.err);
  auto flag = run_server_to_exit({}, {"--no-such-flag"}, 5s);
  BOOST_TEST((!flag.timed_out && flag.exit_code == std::optional<int>{2}), flag.err);
  BOOST_TEST(flag.err.find("--no-such-flag") != std::string::npos, flag.err);
}

BOOST_AUTO_TEST_CASE(a_bad_beat_schedule_fails_fast_with_one_line) {
  // A syntax error (settings) and a job type the beat cannot raise (the beat's own check).
  for (const auto& [schedule, expected] :
       std::vector<std::pair<std::string, std::string>>{{"sweep=reservations.release@cron:61 * * * *", "minute field '61'"},
                                                        {"sweep=reservations.release@every:5w", "unknown unit 'w'"},
                                                        {"x=order.process@every:1m", "not a periodic job type"}}) {
    auto r = run_server_to_exit({{"BEAT_SCHEDULE", schedule}}, {}, 5s);
    BOOST_TEST((!r.timed_out && r.exit_code == std::optional<int>{2}),
               schedule << ": " << (r.timed_out ? "timed out" : "exit") << "; stderr: " << r.err);
    BOOST_TEST(count_lines(r.err) == 1u, schedule << ": expected one line on stderr, got:\n" << r.err);
    BOOST_TEST(r.err.find("BEAT_SCHEDULE") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(expected) != std::string::npos, r.err);
  }
}

BOOST_AUTO_TEST_CASE(unreachable_database_fails_fast) {
  auto r = run_server_to_exit({{"DATABASE_URL", "postgresql://postgres@/commerce_test?host=/nonexistent-http-tests-dir&port=5433"},
                               {"PORT", std::to_string(free_port())}},
                              {}, 10s);
  BOOST_TEST_REQUIRE(!r.timed_out, "still running after 10 s; output: " << r.out << r.err);
  BOOST_TEST((r.exit_code && *r.exit_code != 0), "exit code; stderr: " << r.err);
  BOOST_TEST(r.err.find("PostgreSQL") != std::string::npos, "stderr: " << r.err);
  BOOST_TEST((r.out + r.err).find(jwt_secret) == std::string::npos, "the output shows the JWT secret");
  BOOST_TEST((r.out + r.err).find(admin_password) == std::string::npos, "the output shows ADMIN_PASSWORD");
}

BOOST_AUTO_TEST_CASE(help_lists_the_settings) {
  auto r = run_server_to_exit({}, {"--help"}, 5s);
  BOOST_TEST_REQUIRE(!r.timed_out);
  BOOST_TEST((r.exit_code == std::optional<int>{0}), "stderr: " << r.err);
  for (const char* name : {"DATABASE_URL", "JWT_SECRET", "PORT", "REDIS_URL", "DATA_DIR", "ADMIN_EMAIL"})
    BOOST_TEST(r.out.find(name) != std::string::npos, name << " is not in --help:\n" << r.out);
  // The environment holds secrets; --help shows defaults, never them.
  BOOST_TEST(r.out.find(jwt_secret) == std::string::npos);
  BOOST_TEST(r.out.find(admin_password) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(admin_user_is_ensured_at_startup) {
  // API.md §2: with ADMIN_EMAIL and ADMIN_PASSWORD set, the user exists, has that password and
  // is staff. An e-mail of its own, so the shared server's staff user is left alone.
  client shared_client{shared_server().base_url()};
  auto existing = new_account(shared_client, "promoted");  // a plain user first
  const std::string first = "Admin-first-passw0rd", second = "Admin-second-passw0rd";
  for (const auto& password : {first, second}) {
    server_process::options o;
    o.env["ADMIN_EMAIL"] = existing.email;
    o.env["ADMIN_PASSWORD"] = password;
    server_process s{o};
    client c{s.base_url()};
    auto in = login(c, existing.email, password);
    REQUIRE_STATUS(in, 200);
    BOOST_TEST(in.json["user"]["is_staff"].GetBool() == true, in.describe());
    BOOST_TEST(in.json["user"]["id"].GetInt64() == existing.id, "the existing user was not reused");
    CHECK_STATUS(c.get("/api/admin/actors/", in.str("access")), 200);
    if (password == second)
      CHECK_ERROR(login(c, existing.email, first), 401, "invalid_credentials");
    BOOST_TEST(s.log().find(password) == std::string::npos, "the log shows ADMIN_PASSWORD");
  }
}

BOOST_AUTO_TEST_CASE(sigterm_lets_requests_in_flight_finish) {
  server_process::options o;
  o.env["CRYPTO_WORKERS"] = "1";  // registrations queue for the one hashing thread: they stay in flight longer
  server_process s{o};
  client c{s.base_url()};
  auto staff = staff_account(c);

  constexpr int n = 3;
  std::vector<response> results(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      client tc{s.base_url()};
      results[i] = register_user(tc, unique_email("drain"), "Drain-passw0rd");
    });

  // Wait until every registration is in flight (the admin request counts itself): one that
  // had not reached the server before SIGTERM could meet the closed listener, which is not a
  // drain problem.
  bool in_flight = false;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!in_flight && std::chrono::steady_clock::now() < deadline) {
    auto r = c.get("/api/admin/actors/", staff.access);
    in_flight = r.status == 200 && r.json["in_flight_requests"].GetInt64() >= n + 1;
    if (!in_flight)
      std::this_thread::sleep_for(2ms);
  }
  s.signal(SIGTERM);
  for (auto& t : threads)
    t.join();
  bool exited = s.wait_exit(20s);
  BOOST_TEST(in_flight, "the registrations were not all seen in flight before SIGTERM");
  BOOST_TEST(exited, "the server did not exit within 20 s of SIGTERM");
  BOOST_TEST((s.exit_code() == std::optional<int>{0}), s.exit_description() << "; log tail:\n" << s.log_tail(30));

  int created = 0;
  for (const auto& r : results) {
    // Accepted before the stop: finished (201). Arrived during the drain: refused with 503.
    BOOST_TEST((r.status == 201 || r.status == 503), r.request << " -> " << r.describe());
    created += r.status == 201;
    BOOST_TEST_MESSAGE("registration during shutdown: HTTP " << r.status);
  }
  BOOST_TEST(created >= 1, "the request in flight did not complete");
}

BOOST_AUTO_TEST_SUITE_END()
