// GET /metrics (issue 12): Prometheus text from our own front door. After known activity the
// series move by exactly what the test did (route templates, statuses, rate-limit rejections,
// gateway errors), and the whole exposition passes a real parser (python3-prometheus-client).
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace http_test;

namespace {

const std::string metrics_token = "metrics-token-0123456789abcdef";

/// One sample: "name{label=\"value\",...}" with labels sorted by name -> value. The parser reads
/// quoted label values with escapes (route templates hold braces: route="/api/orders/{id}/").
std::map<std::string, double> parse_samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
      ++i;
    std::string name = line.substr(0, i);
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        auto eq = line.find('=', i);
        BOOST_REQUIRE_MESSAGE(eq != std::string::npos && eq + 1 < line.size() && line[eq + 1] == '"', line);
        auto label = line.substr(i, eq - i);
        std::string value;
        i = eq + 2;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size())
            ++i;
          value += line[i++];
        }
        labels[label] = value;
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',')
          ++i;
      }
      ++i;  // '}'
    }
    std::string key = name + "{";
    for (const auto& [k, v] : labels)
      key += k + "=" + v + ",";
    key += "}";
    out[key] = std::stod(line.substr(i + 1));
  }
  return out;
}

double sample(const std::map<std::string, double>& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? 0 : it->second;
}

std::string scrape(client& c) {
  auto r = c.request("GET", "/metrics", std::nullopt, request_options{"", std::nullopt, {"Authorization: Bearer " + metrics_token}});
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  BOOST_TEST(r.header("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0, r.header("Content-Type"));
  return r.body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(series_follow_known_activity_and_parse) {
  server_process::options o;
  o.env["METRICS_TOKEN"] = metrics_token;
  o.env["AUTH_ADDRESS_BURST"] = "3";  // register + two logins pass, the next two are refused
  o.env["AUTH_ADDRESS_RATE_PER_MINUTE"] = "1";
  o.env["SHIPPING_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(free_port());  // nobody listens
  o.env["DB_POOL_SIZE"] = "5";
  server_process s{o};
  client c{s.base_url()};

  // Without the token: 401, and no series leak.
  auto anonymous = c.get("/metrics");
  CHECK_STATUS(anonymous, 401);
  BOOST_TEST(anonymous.body.find("commerce_") == std::string::npos, anonymous.describe());
  CHECK_STATUS(c.request("GET", "/metrics", std::nullopt, request_options{"", std::nullopt, {"Authorization: Bearer wrong-token-0123456789"}}), 401);

  auto before = parse_samples(scrape(c));
  for (int i = 0; i < 3; ++i)
    CHECK_STATUS(c.get("/health/"), 200);
  CHECK_STATUS(c.get("/api/products/999999999/"), 404);
  CHECK_STATUS(c.get("/api/products/999999998/"), 404);
  CHECK_STATUS(c.get("/no/such/place/"), 404);
  auto user = new_account(c, "metrics");  // one register
  int refused = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = login(c, user.email, "not-the-password-1");
    BOOST_TEST((r.status == 401 || r.status == 429), r.describe());
    refused += r.status == 429;
  }
  BOOST_TEST(refused == 2);
  auto calc = json_object{{"destination", json_raw(R"({"city":"Moscow","postal_code":"101000"})")},
                          {"packages", json_raw(R"([{"weight":1.5,"dimensions":{"length":10,"width":20,"height":30}}])")},
                          {"service", "standard"}};
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc, user.access), 502);

  auto text = scrape(c);
  auto after = parse_samples(text);
  auto delta = [&](const std::string& key) { return sample(after, key) - sample(before, key); };

  BOOST_TEST(delta("commerce_http_requests_total{method=GET,route=/health/,status=200,}") == 3);
  BOOST_TEST(delta("commerce_http_requests_total{method=GET,route=/api/products/{id}/,status=404,}") == 2);
  BOOST_TEST(delta("commerce_http_requests_total{method=any,route=unmatched,status=404,}") == 1);
  BOOST_TEST(delta("commerce_http_request_duration_seconds_count{method=GET,route=/api/products/{id}/,}") == 2);
  BOOST_TEST(delta("commerce_http_request_duration_seconds_bucket{le=+Inf,method=GET,route=/health/,}") == 3);
  BOOST_TEST(delta("commerce_http_requests_total{method=POST,route=/api/auth/login/,status=429,}") == 2);
  BOOST_TEST(delta("commerce_rate_limit_rejections_total{limit=auth,}") == 2);
  BOOST_TEST(delta("commerce_http_requests_total{method=POST,route=/api/shipping/calculate/,status=502,}") == 1);
  // The refused connection: one call, counted as an error of reason connect.
  double connect_errors = 0, calls = 0;
  for (const auto& [key, value] : after) {
    if (key.rfind("commerce_gateway_errors_total{", 0) == 0 && key.find("reason=connect,") != std::string::npos)
      connect_errors += value;
    if (key.rfind("commerce_gateway_calls_total{", 0) == 0)
      calls += value;
  }
  BOOST_TEST(connect_errors >= 1, text);
  BOOST_TEST(calls >= 1, text);
  BOOST_TEST(sample(after, "commerce_db_pool_connections{state=idle,}") +
               sample(after, "commerce_db_pool_connections{state=in_use,}") == 5);
  BOOST_TEST(sample(after, "commerce_db_pool_wait_seconds_count{}") > 0);
  BOOST_TEST(sample(after, "commerce_actors_live{kind=user,}") >= 1, text);
  BOOST_TEST(after.count("commerce_actor_restarts_total{kind=order,}") == 1u, text);
  for (const char* kind : {"user", "product", "cart", "order"})
    BOOST_TEST(after.count(std::string{"commerce_supervisor_mailbox_messages{kind="} + kind + ",}") == 1u, text);
  BOOST_TEST(after.count("commerce_job_queue_jobs{state=waiting,}") == 1u, text);
  BOOST_TEST(sample(after, "commerce_job_queue_up{}") == 1);
  BOOST_TEST(after.count("commerce_jobs_total{outcome=failed,}") == 1u, text);
  BOOST_TEST(sample(after, "commerce_actor_system_running_actors{}") > 10);
  BOOST_TEST(after.count("commerce_gateway_breaker_open{kind=shipping,origin=" + o.env["SHIPPING_SERVICE_URL"].value() +
                         ",provider=generic,}") == 1u,
             text);
  // Raw paths are never labels: the unknown path and the ids do not show.
  BOOST_TEST(text.find("/api/products/999999999") == std::string::npos);
  BOOST_TEST(text.find("/no/such/place") == std::string::npos);

  // The whole exposition through the reference parser, and the naming conventions checked there.
  auto dir = make_temp_dir("http-tests-metrics");
  auto path = dir + "/metrics.txt";
  std::ofstream{path} << text;
  auto check = run_to_exit(
    "/usr/bin/python3",
    {"-c",
     "import sys\n"
     "from prometheus_client.parser import text_string_to_metric_families as parse\n"
     "families = list(parse(open(sys.argv[1]).read()))\n"
     "assert len(families) > 15, len(families)\n"
     "for f in families:\n"
     "    assert f.name.startswith('commerce_'), f.name\n"
     "    assert f.documentation, f.name\n"
     "    if f.type == 'counter':\n"
     "        assert all(s.name.endswith('_total') for s in f.samples if not s.name.endswith('_created')), f.name\n"
     "    if f.type == 'histogram':\n"
     "        assert f.name.endswith('_seconds'), f.name\n"
     "print(len(families), 'families')\n",
     path},
    {{"PATH", "/usr/bin:/bin"}}, std::chrono::seconds(30));
  BOOST_TEST((check.exit_code == std::optional<int>{0}), "python parser: " << check.out << check.err);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

BOOST_AUTO_TEST_CASE(metrics_disabled_is_not_routed) {
  server_process::options o;
  o.env["METRICS_ENABLED"] = "false";
  server_process s{o};
  client c{s.base_url()};
  CHECK_STATUS(c.get("/metrics"), 404);
}

BOOST_AUTO_TEST_CASE(openapi_document_is_served) {
  client c{shared_server().base_url()};
  auto r = c.get("/api/openapi.json");
  REQUIRE_STATUS(r, 200);
  BOOST_TEST_REQUIRE((r.is_json && r.json.IsObject() && r.json.HasMember("paths")), r.describe());
  BOOST_TEST(r.str("openapi") == "3.1.0");
  BOOST_TEST(r.json["paths"].HasMember("/api/orders/{id}/"));
  BOOST_TEST(r.json["paths"].HasMember("/metrics"));
}

BOOST_AUTO_TEST_SUITE_END()
