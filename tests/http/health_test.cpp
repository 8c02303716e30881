// GET /health/ (API.md §3.7): 200 with every value truthy, 503 with the failing key false.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>

using namespace http_test;

BOOST_AUTO_TEST_SUITE(health)

BOOST_AUTO_TEST_CASE(healthy_server_reports_every_dependency) {
  client c{shared_server().base_url()};
  auto r = c.get("/health/");
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.header("Content-Type").rfind("application/json", 0) == 0, r.header("Content-Type"));
  BOOST_TEST_REQUIRE((r.is_json && r.json.IsObject()), r.describe());
  BOOST_TEST(r.json.MemberCount() == 4u, "expected exactly status, database, worker, redis: " << r.describe());
  BOOST_TEST(r.str("status") == "ok", r.describe());
  for (const char* key : {"database", "worker", "redis"})
    BOOST_TEST((r.json.HasMember(key) && r.json[key].IsBool() && r.json[key].GetBool()), key << ": " << r.describe());
  // No secrets, no version numbers.
  BOOST_TEST(r.body.find(jwt_secret) == std::string::npos);
  BOOST_TEST(r.body.find("version") == std::string::npos, r.describe());
}

BOOST_AUTO_TEST_CASE(dead_redis_makes_health_503) {
  auto dir = make_temp_dir("http-tests-noredis");
  server_process::options o;
  o.env["REDIS_URL"] = "unix://" + dir + "/no-such-redis.sock";  // nothing listens there
  o.require_healthy = false;
  {
    server_process s{o};
    client c{s.base_url()};
    auto r = c.get("/health/");
    CHECK_STATUS(r, 503);
    BOOST_TEST_REQUIRE((r.is_json && r.json.IsObject()), r.describe());
    BOOST_TEST(r.str("status") != "ok", r.describe());
    BOOST_TEST((r.json.HasMember("redis") && r.json["redis"].IsBool() && !r.json["redis"].GetBool()), r.describe());
    BOOST_TEST((r.json.HasMember("database") && r.json["database"].IsBool() && r.json["database"].GetBool()),
               r.describe());
    BOOST_TEST((r.json.HasMember("worker") && r.json["worker"].IsBool() && r.json["worker"].GetBool()), r.describe());
    // Redis being down does not stop the API from answering.
    CHECK_ERROR(c.get("/api/users/profile/"), 401, "not_authenticated");
    s.stop();
    BOOST_TEST((s.exit_code() == std::optional<int>{0}),
               "after SIGTERM: " << s.exit_description() << "; log tail:\n" << s.log_tail(30));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

BOOST_AUTO_TEST_SUITE_END()
