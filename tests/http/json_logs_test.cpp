// LOG_FORMAT=json (issue 12): every line the server writes is one JSON object; access lines carry
// time, level, request id, route template, status and latency; no password or secret appears.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/document.h>

#include <sstream>

using namespace http_test;

BOOST_AUTO_TEST_SUITE(json_logs)

BOOST_AUTO_TEST_CASE(every_line_is_json_and_holds_no_secret) {
  const std::string payment_secret = "sk_test_PAYMENTSECRETabc123xyz";
  const std::string webhook_secret = "whsec_WEBHOOKSECRETdef456uvw";
  const std::string shipping_secret = "SHIPPINGSECRETghi789rst";
  const std::string metrics_secret = "METRICSTOKENjkl012opq345";
  server_process::options o;
  o.env["LOG_FORMAT"] = "json";
  o.env["LOG_LEVEL"] = "debug";
  o.env["ACCESS_LOG"] = "true";
  o.env["PAYMENT_SECRET"] = payment_secret;
  o.env["PAYMENT_WEBHOOK_SECRET"] = webhook_secret;
  o.env["SHIPPING_SECRET"] = shipping_secret;
  o.env["METRICS_TOKEN"] = metrics_secret;
  o.env["SHIPPING_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(free_port());  // refused: a warning
  server_process s{o};
  client c{s.base_url()};

  const std::string password = "Sup3r-Secret-Passw0rd-for-logs";
  auto email = unique_email("jsonlog");
  auto reg = register_user(c, email, password);
  CHECK_STATUS(reg, 201);
  auto access = reg.str("access");
  CHECK_STATUS(login(c, email, password), 200);
  CHECK_STATUS(login(c, email, password + "-wrong"), 401);
  CHECK_STATUS(login(c, admin_email, admin_password), 200);
  CHECK_STATUS(c.get("/api/users/profile/", access), 200);
  CHECK_STATUS(c.get("/api/users/profile/", "not.a.token"), 401);
  CHECK_STATUS(c.post("/api/shipping/calculate/",
                      R"({"destination":{"city":"Moscow","postal_code":"101000"},"packages":[{"weight":1,"dimensions":{"length":1,"width":1,"height":1}}],"service":"standard"})",
                      access),
               502);
  CHECK_STATUS(c.request("GET", "/api/products/", std::nullopt, request_options{"", std::nullopt, {"X-Request-ID: log-test-req-1"}}), 200);
  s.stop();
  auto log = s.log();

  std::istringstream lines{log};
  std::string line;
  int parsed = 0, access_lines = 0;
  bool saw_request_id = false, saw_template = false;
  while (std::getline(lines, line)) {
    if (line.empty() || line.rfind("=== test harness", 0) == 0)  // the harness's own markers in the log file
      continue;
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    BOOST_TEST_REQUIRE((!d.HasParseError() && d.IsObject()), "not a JSON object: " << line);
    ++parsed;
    BOOST_TEST((d.HasMember("time") && d["time"].IsString()), line);
    BOOST_TEST((d.HasMember("level") && d["level"].IsString()), line);
    bool is_access = d.HasMember("type") && d["type"].IsString() && std::string{d["type"].GetString()} == "access";
    if (is_access) {
      ++access_lines;
      for (const char* key : {"request_id", "method", "path", "route"})
        BOOST_TEST((d.HasMember(key) && d[key].IsString()), key << ": " << line);
      BOOST_TEST((d.HasMember("status") && d["status"].IsInt()), line);
      BOOST_TEST((d.HasMember("latency_ms") && d["latency_ms"].IsNumber()), line);
      saw_request_id |= std::string{d["request_id"].GetString()} == "log-test-req-1";
      saw_template |= std::string{d["route"].GetString()} == "/api/users/profile/";
    } else {
      BOOST_TEST((d.HasMember("message") && d["message"].IsString()), line);
    }
  }
  BOOST_TEST(parsed > 10);
  BOOST_TEST(access_lines >= 8);
  BOOST_TEST(saw_request_id);
  BOOST_TEST(saw_template);
  for (const std::string& secret : {password, std::string{admin_password}, payment_secret, webhook_secret,
                                    shipping_secret, metrics_secret, std::string{jwt_secret}, access})
    BOOST_TEST(log.find(secret) == std::string::npos, "a secret is in the log: " << secret.substr(0, 6) << "...");
}

BOOST_AUTO_TEST_CASE(unknown_log_format_stops_the_start) {
  auto r = run_server_to_exit({{"LOG_FORMAT", "xml"}}, {}, std::chrono::seconds(20));
  BOOST_TEST((r.exit_code == std::optional<int>{2}), r.err);
  BOOST_TEST(r.err.find("LOG_FORMAT") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
