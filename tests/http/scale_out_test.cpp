// Scale-out (issue 10): two api processes, two workers and two beats on one PostgreSQL and one
// Redis, each a separate commerce-server with its --role, sharing a job stream of their own.
// Jobs spread over both workers and each runs once; a worker SIGKILLed mid-job has that job
// finished by the other, with one effect; the beat leader's death hands the schedule to the
// other beat; a task queued through one api process reads through the other.
#include "tests/http/support.hpp"
#include "tests/http/support/tasks.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// A commerce-server that serves no HTTP (role worker or beat): a child process with the test
/// servers' settings, its log in its own file.
struct headless_server {
  std::string log_path;
  std::unique_ptr<child_process> process;

  headless_server(const std::string& role, const std::map<std::string, std::string>& env, const std::string& dir) {
    log_path = dir + "/" + role + "-" + unique_tag() + ".log";
    process = std::make_unique<child_process>(server_binary(), std::vector<std::string>{"--role", role}, env, log_path);
  }
  std::string log() const { return read_file(log_path); }
};

/// `database_url`: the cluster's own database (a scratch_database), so no other test's rows
/// (e.g. their queued verification e-mails, which a worker's outbox job would send through
/// this test's slow mail mock) reach its workers.
std::map<std::string, std::string> cluster_environment(const std::string& database_url, const std::string& stream,
                                                        const std::string& mail_url, const std::string& schedule) {
  auto env = inherited_environment();
  for (const auto& [k, v] : server_process::base_environment())
    env[k] = v;
  env["DATABASE_URL"] = database_url;
  env.erase("EMAIL_MOCK_URL");
  env["EMAIL_SERVICE_URL"] = mail_url;
  env["JOB_STREAM"] = stream;
  env["JOB_VISIBILITY_TIMEOUT_MS"] = "2000";
  env["JOB_RETRY_BASE_MS"] = "100";
  env["JOB_RETRY_MAX_MS"] = "400";
  env["WORKER_CONCURRENCY"] = "1";
  env["BEAT_SCHEDULE"] = schedule;
  env["BEAT_LOCK_TTL_MS"] = "2000";
  env["PORT"] = std::to_string(free_port());
  return env;
}

server_process::options api_options(const std::map<std::string, std::string>& env) {
  server_process::options o;
  for (const auto& [k, v] : env)
    if (k != "PORT")
      o.env[k] = v;
  o.env["EMAIL_MOCK_URL"] = std::nullopt;
  o.args = {"--role", "api"};
  o.require_healthy = false;  // /health/'s worker is false until a worker consumes the stream
  return o;
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scale_out)

BOOST_AUTO_TEST_CASE(two_apis_two_workers_two_beats_share_one_database_and_redis) {
  const auto tag = unique_tag("scale");
  const auto dir = make_temp_dir("scale-out");
  gateway_mock mail;
  answer_options slow;
  slow.delay_ms = 150;  // long enough that one worker cannot take every job
  mail.expect(mock_answer("POST", "/api/v1/emails/send", 202, R"({"id":"e1","status":"queued"})", slow));
  scratch_database db{"scale_out"};
  const auto env = cluster_environment(db.url(), "jobs:" + tag, mail.base_url(), tag + "=noop@every:1s");

  server_process api_a{api_options(env)};
  server_process api_b{api_options(env)};
  auto worker_1 = std::make_unique<headless_server>("worker", env, dir);
  auto worker_2 = std::make_unique<headless_server>("worker", env, dir);

  client a{api_a.base_url()}, b{api_b.base_url()};
  auto staff = staff_account(a);
  auto owner = new_account(a, "scale");
  auto product = create_product(a, staff.access, "Scaled", "10.00", 1000);

  // 1. Twenty notification jobs, queued alternately through both api processes.
  std::vector<std::pair<int64_t, std::string>> jobs;  // order id, task id
  for (int i = 0; i < 20; ++i) {
    auto& via = i % 2 ? b : a;
    auto o = via.post("/api/orders/", order_body({{product, 1}}), owner.access);
    REQUIRE_STATUS(o, 201);
    auto order_id = int_of(o.json, "id").value_or(0);
    auto r = via.post("/api/notifications/send/",
                      json_object{{"order_id", order_id}, {"notification_type", "order_shipped"}}, owner.access);
    REQUIRE_STATUS(r, 202);
    jobs.emplace_back(order_id, r.str("task_id"));
  }
  std::set<std::string> ran_on_1, ran_on_2;
  for (size_t i = 0; i < jobs.size(); ++i) {
    // Read through the other api process than the one that queued it.
    auto& other = i % 2 ? a : b;
    auto done = wait_for_task(other, jobs[i].second, owner.access, 60s);
    BOOST_TEST(final_status_of(done) == "SUCCESS", done.describe());
    auto list = other.get("/api/notifications/order/" + std::to_string(jobs[i].first) + "/", owner.access);
    size_t shipped = 0;
    if (list.is_json && list.json.IsArray())
      for (const auto& n : list.json.GetArray())
        shipped += string_of(n, "notification_type") == "order_shipped";
    BOOST_TEST(shipped == 1u, "each job has one effect: " << list.body);
  }
  auto log_1 = worker_1->log(), log_2 = worker_2->log();
  size_t on_1 = 0, on_2 = 0, twice = 0;
  for (const auto& [order_id, task_id] : jobs) {
    auto n1 = occurrences(log_1, "job " + task_id + " (notification.send) attempt"),
         n2 = occurrences(log_2, "job " + task_id + " (notification.send) attempt");
    on_1 += n1 > 0;
    on_2 += n2 > 0;
    twice += n1 + n2 > 1;
  }
  BOOST_TEST(on_1 + on_2 == jobs.size(), "every job ran on a worker");
  BOOST_TEST(on_1 > 0u, "worker 1 ran some jobs");
  BOOST_TEST(on_2 > 0u, "worker 2 ran some jobs");
  BOOST_TEST(twice == 0u, "no job ran twice");

  // 2. A worker killed in the middle of a job: the other finishes it, with one effect.
  worker_2->process->stop();
  answer_options stuck;  // the first delivery hangs in the gateway call; the next ones are answered
  stuck.delay_ms = 4000;
  stuck.times = 1;
  mail.reset();
  mail.expect(mock_answer("POST", "/api/v1/emails/send", 202, R"({"id":"e2","status":"queued"})", stuck));
  mail.expect(mock_answer("POST", "/api/v1/emails/send", 202, R"({"id":"e3","status":"queued"})"));
  auto o = a.post("/api/orders/", order_body({{product, 1}}), owner.access);
  REQUIRE_STATUS(o, 201);
  auto order_id = int_of(o.json, "id").value_or(0);
  auto queued = a.post("/api/notifications/send/",
                       json_object{{"order_id", order_id}, {"notification_type", "order_refunded"}}, owner.access);
  REQUIRE_STATUS(queued, 202);
  auto task_id = queued.str("task_id");
  BOOST_REQUIRE(poll_until([&] { return b.get("/api/tasks/" + task_id + "/status/", owner.access).str("status") == "STARTED"; }, 10s));
  worker_2 = std::make_unique<headless_server>("worker", env, dir);
  std::this_thread::sleep_for(500ms);
  kill(worker_1->process->pid(), SIGKILL);
  auto done = wait_for_task(b, task_id, owner.access, 30s);
  BOOST_TEST(final_status_of(done) == "SUCCESS", done.describe());
  BOOST_TEST(int_of(done.json, "attempts").value_or(0) >= 2, "a second delivery finished it: " << done.body);
  auto list = a.get("/api/notifications/order/" + std::to_string(order_id) + "/", owner.access);
  size_t refunded = 0;
  if (list.is_json && list.json.IsArray())
    for (const auto& n : list.json.GetArray())
      refunded += string_of(n, "notification_type") == "order_refunded" && string_of(n, "status") == "sent";
  BOOST_TEST(refunded == 1u, "one effect: " << list.body);

  // 3. Two beats: one leads and fires; killed, the other takes over within the lock's TTL.
  headless_server beat_1{"beat", env, dir};
  headless_server beat_2{"beat", env, dir};
  const std::string raised = "beat: " + tag + " raised noop";
  BOOST_REQUIRE(poll_until([&] { return beat_1.log().find(raised) != std::string::npos ||
                                        beat_2.log().find(raised) != std::string::npos; }, 15s));
  bool first_leads = beat_1.log().find(raised) != std::string::npos;
  auto& leader = first_leads ? beat_1 : beat_2;
  auto& follower = first_leads ? beat_2 : beat_1;
  BOOST_TEST(follower.log().find(raised) == std::string::npos, "only the leader fires");
  kill(leader.process->pid(), SIGKILL);
  BOOST_TEST(poll_until([&] { return follower.log().find(raised) != std::string::npos; }, 8s),
             "the other beat fires after the leader died: " << tail_lines(follower.log(), 10));
}

BOOST_AUTO_TEST_SUITE_END()
