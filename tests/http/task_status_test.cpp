// GET /api/tasks/{task_id}/status/ (API.md §3.7): the owner and staff read a task; anyone else,
// an unknown id and a malformed id get 404; no token gets 401. The task rows are written
// straight into the database, as a job desk on another node would have. And the roles: a
// worker does not listen for HTTP, a bad role stops the start with one line.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace http_test;

namespace {

/// A finished task owned by `owner` (0: a system task), as the workers leave it.
std::string insert_task(int64_t owner, const std::string& status, const std::string& result_json,
                        const std::string& error) {
  return *db_value(
    "INSERT INTO tasks (id, type, payload, owner_user_id, status, result, error, attempts, started_at, finished_at) "
    "VALUES (gen_random_uuid(), 'noop', '{}', NULLIF($1, '0')::bigint, $2, NULLIF($3, '')::jsonb, NULLIF($4, ''), 2, "
    "now(), now()) RETURNING id::text",
    {std::to_string(owner), status, result_json, error});
}

bool port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(task_status)

BOOST_AUTO_TEST_CASE(the_owner_reads_the_task_with_its_result) {
  client c{shared_server().base_url()};
  auto owner = new_account(c, "task-owner");
  auto id = insert_task(owner.id, "SUCCESS", R"({"order_id": 7, "paid": true})", "");
  auto r = c.get("/api/tasks/" + id + "/status/", owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.str("task_id") == id);
  BOOST_TEST(r.str("status") == "SUCCESS");
  BOOST_TEST_REQUIRE((r.json.HasMember("result") && r.json["result"].IsObject()), r.describe());
  BOOST_TEST(r.json["result"]["order_id"].GetInt() == 7);
  BOOST_TEST((r.json.HasMember("error") && r.json["error"].IsNull()), r.describe());
  BOOST_TEST(r.json["attempts"].GetInt() == 2);
  BOOST_TEST(r.str("type") == "noop");
  BOOST_TEST(is_iso8601_utc(r.str("created_at")), r.describe());
  BOOST_TEST(is_iso8601_utc(r.str("finished_at")), r.describe());
  // Without the trailing slash too (API.md §0).
  CHECK_STATUS(c.get("/api/tasks/" + id + "/status", owner.access), 200);
}

BOOST_AUTO_TEST_CASE(a_failed_task_shows_its_error_and_a_null_result) {
  client c{shared_server().base_url()};
  auto owner = new_account(c, "task-failed");
  auto id = insert_task(owner.id, "FAILURE", "", "gateway answered 503");
  auto r = c.get("/api/tasks/" + id + "/status/", owner.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.str("status") == "FAILURE");
  BOOST_TEST(r.str("error") == "gateway answered 503");
  BOOST_TEST((r.json.HasMember("result") && r.json["result"].IsNull()), r.describe());
}

BOOST_AUTO_TEST_CASE(staff_read_any_task_and_other_users_get_404) {
  client c{shared_server().base_url()};
  auto owner = new_account(c, "task-mine");
  auto stranger = new_account(c, "task-stranger");
  auto staff = staff_account(c);
  auto id = insert_task(owner.id, "SUCCESS", "{}", "");
  CHECK_ERROR(c.get("/api/tasks/" + id + "/status/", stranger.access), 404, "not_found");
  CHECK_STATUS(c.get("/api/tasks/" + id + "/status/", staff.access), 200);
  auto system = insert_task(0, "SUCCESS", "{}", "");  // a beat's job: staff only
  CHECK_ERROR(c.get("/api/tasks/" + system + "/status/", owner.access), 404, "not_found");
  CHECK_STATUS(c.get("/api/tasks/" + system + "/status/", staff.access), 200);
}

BOOST_AUTO_TEST_CASE(unknown_and_malformed_ids_get_404_and_no_token_gets_401) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "task-unknown");
  CHECK_ERROR(c.get("/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950e/status/", user.access), 404, "not_found");
  for (const char* bad : {"42", "not-a-uuid", "0f8fad5b-d9cb-469f-a165-70867728950", "%27%3B--"})
    CHECK_STATUS(c.get(std::string{"/api/tasks/"} + bad + "/status/", user.access), 404);
  CHECK_ERROR(c.get("/api/tasks/0f8fad5b-d9cb-469f-a165-70867728950e/status/"), 401, "not_authenticated");
}

BOOST_AUTO_TEST_CASE(a_worker_does_not_listen_for_http) {
  auto port = free_port();
  run_result r;
  std::thread server{[&] { r = run_server_to_exit({{"PORT", std::to_string(port)}}, {"--role", "worker"}, std::chrono::seconds(6)); }};
  bool ever_listened = false;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ever_listened = ever_listened || port_accepts(port);
  }
  server.join();
  BOOST_TEST(!ever_listened);
  BOOST_TEST(r.timed_out, "the worker should have kept running: " << r.err);
  auto log = r.out + r.err;
  BOOST_TEST(log.find("job workers started") != std::string::npos, log);
  BOOST_TEST(log.find("running as role worker") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(an_api_node_reports_worker_only_while_some_worker_consumes_the_stream) {
  auto stream = unique_tag("jobs-health");
  server_process::options o;
  o.env["ROLE"] = "api";
  o.env["JOB_STREAM"] = stream;
  o.env["JOB_VISIBILITY_TIMEOUT_MS"] = "2000";
  o.require_healthy = false;
  server_process api{o};
  client c{api.base_url()};
  auto alone = c.get("/health/");
  CHECK_STATUS(alone, 503);
  BOOST_TEST((alone.json.HasMember("worker") && alone.json["worker"].IsBool() && !alone.json["worker"].GetBool()),
             alone.describe());
  run_result worker_run;
  std::thread worker{[&] {
    worker_run = run_server_to_exit({{"PORT", std::to_string(free_port())}, {"JOB_STREAM", stream}},
                                    {"--role", "worker"}, std::chrono::seconds(6));
  }};
  bool healthy = poll_until([&] { return c.get("/health/").status == 200; }, std::chrono::seconds(5), std::chrono::milliseconds(200));
  worker.join();
  BOOST_TEST(healthy, "a running worker did not make /health/ report worker:true; worker log: " << worker_run.err);
  // The worker was killed: after the visibility timeout nobody consumes the stream.
  BOOST_TEST(poll_until([&] { return c.get("/health/").status == 503; }, std::chrono::seconds(6), std::chrono::milliseconds(200)));
  stop_cleanly(api, "the api node");
}

BOOST_AUTO_TEST_CASE(a_bad_role_or_concurrency_stops_the_start_with_one_line) {
  check_refused_at_start({{"ROLE", "bogus"}}, "ROLE", "ROLE=bogus");
  check_refused_at_start({{"WORKER_CONCURRENCY", "0"}}, "WORKER_CONCURRENCY", "WORKER_CONCURRENCY=0");
  auto r = run_server_to_exit({{"PORT", std::to_string(free_port())}}, {"--role", "bogus"}, std::chrono::seconds(15));
  BOOST_TEST((r.exit_code == std::optional<int>{2}), r.err);
  BOOST_TEST(r.err.find("ROLE must be api, worker, beat or all") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
