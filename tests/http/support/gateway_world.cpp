#include "tests/http/support/gateway_world.hpp"

#include "tests/http/support/db.hpp"
#include "tests/http/support/json_read.hpp"
#include "tests/http/support/waiting.hpp"

#include <boost/test/unit_test.hpp>

namespace http_test {

void check_secret_hidden(const server_process& server, const std::string& secret) {
  BOOST_TEST(server.log().find(secret) == std::string::npos, "the secret appears in the server log");
  BOOST_TEST(db_int("SELECT count(*) FROM gateway_calls g WHERE strpos(g::text, $1) > 0", {secret}) == 0,
             "the secret appears in gateway_calls");
}

server_process::options gateway_server(const std::string& kind, const std::string& gateway_url,
                                       const std::string& email_url, const env_overrides& extra) {
  server_process::options o;
  o.env = {{kind + "_SERVICE_URL", gateway_url},
           {kind + "_MOCK_URL", std::nullopt},
           {"EMAIL_SERVICE_URL", email_url},
           {"EMAIL_MOCK_URL", std::nullopt},
           {"GATEWAY_TIMEOUT_MS", std::string{"1000"}}};
  for (const auto& [k, v] : extra)
    o.env[k] = v;
  return o;
}

gateway_world::gateway_world(const std::string& kind, const std::string& provider, const std::string& url_suffix,
                             const env_overrides& settings, const std::string& tag, const std::string& price) {
  mail.expect(email_queued_expectation());
  env_overrides extra;
  if (!provider.empty())
    extra[kind + "_PROVIDER"] = provider;
  for (const auto& [k, v] : settings)
    extra[k] = v;
  server = std::make_unique<server_process>(gateway_server(kind, gateway.base_url() + url_suffix, mail.base_url(), extra));
  c = std::make_unique<client>(server->base_url());
  owner = new_account(*c, tag);
  auto staff = staff_account(*c);
  product = create_product(*c, staff.access, unique_tag(tag + " "), price, 100000);
}

int64_t gateway_world::new_order(int quantity) {
  auto r = c->post("/api/orders/", order_body({{product, quantity}}), owner.access);
  BOOST_TEST_REQUIRE(r.status == 201, r.describe());
  return int_of(r.json, "id").value_or(0);
}

std::string email_queued_expectation(int status) {
  return R"({"httpRequest":{"method":"POST","path":"/api/v1/emails/send"},"httpResponse":{"statusCode":)" +
         std::to_string(status) + R"(,"body":{"id":"e1","status":"queued"}}})";
}

response notifications_of(client& c, int64_t order_id, const std::string& bearer, size_t n,
                          std::chrono::milliseconds limit) {
  const auto path = "/api/notifications/order/" + std::to_string(order_id) + "/";
  response last;
  poll_until(
    [&] {
      last = c.get(path, bearer);
      return last.status == 200 && last.is_json && last.json.IsArray() && last.json.Size() >= n;
    },
    limit);
  return last;
}

}  // namespace http_test
