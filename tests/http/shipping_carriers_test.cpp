// Shipping carriers (GATEWAYS.md §2.2): servers with SHIPPING_PROVIDER=cdek, =boxberry and
// =russian_post against a commerce-mock, checking the exact outbound requests (paths, auth,
// token handling, field names and units), the mapping of the carriers' answers, refusals that
// book nothing, that the secrets never reach the log or gateway_calls, and that a carrier
// without its credentials stops the server at start with exit code 2.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// json_expectation that also matches query parameters (`query_json`: {"name": ["value"]}).
std::string expectation_with_query(const std::string& method, const std::string& path, const std::string& query_json,
                                   int status, const std::string& json) {
  answer_options options;
  options.json_content_type = true;
  options.query_json = query_json;
  return mock_answer(method, path, status, json, options);
}

std::string query_of(const rapidjson::Value& recorded, const char* name) {
  if (!recorded.HasMember("queryStringParameters"))
    return "<none>";
  const auto& q = recorded["queryStringParameters"];
  if (q.IsObject() && q.HasMember(name) && q[name].IsArray() && !q[name].Empty() && q[name][0].IsString())
    return q[name][0].GetString();
  if (q.IsArray())  // the list form: [{name, values}]
    for (const auto& entry : q.GetArray())
      if (string_of(entry, "name") == name && entry["values"].IsArray() && !entry["values"].Empty())
        return entry["values"][0].GetString();
  return "<none>";
}

const char* const ship_recipient =
  R"({"name":"Ivan Petrov","phone":"+7 (900) 123-45-67","address":{"city":"Saint Petersburg","postal_code":"190000","street":"Nevsky 10"}})";
const char* const ship_destination = R"({"city":"Saint Petersburg","postal_code":"190000","street":"Nevsky 10"})";

struct carrier_world : gateway_world {
  gateway_mock& ship = gateway;
  std::string sku;

  carrier_world(const std::string& carrier, const std::string& url_suffix, const env_overrides& settings)
    : gateway_world("SHIPPING", carrier, url_suffix, settings, "carrier", "45.60") {
    sku = string_of(c->get("/api/products/" + std::to_string(product) + "/").json, "sku");
  }

  response calculate(const std::string& service) {
    return c->post("/api/shipping/calculate/",
                   json_object{{"destination", json_raw(ship_destination)},
                               {"packages", json_raw(R"([{"weight":1.5,"dimensions":{"length":30,"width":20,"height":10.2}}])")},
                               {"service", service}},
                   owner.access);
  }
  response book(int64_t order, const json_object& extra = {}) {
    return c->post("/api/shipping/create/",
                   json_object{{"order_id", order}, {"recipient", json_raw(ship_recipient)}}.merge(extra), owner.access);
  }
  bool shipping_created(int64_t order) {
    auto r = c->get("/api/orders/" + std::to_string(order) + "/", owner.access);
    return r.json.IsObject() && r.json.HasMember("shipping_created") && r.json["shipping_created"].GetBool();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(shipping_carriers)

BOOST_AUTO_TEST_CASE(cdek_token_tariff_order_and_refusal) {
  carrier_world w{"cdek",
                  "/v2",
                  {{"SHIPPING_ACCOUNT_ID", std::string{"cdek-client-7"}},
                   {"SHIPPING_SECRET", std::string{"cdek-secret-Qw3"}},
                   {"SHIPPING_ORIGIN_POSTAL_CODE", std::string{"101000"}},
                   {"SHIPPING_ORIGIN_ADDRESS", std::string{"Tverskaya 1"}}}};
  w.ship.expect(json_expectation("POST", "/v2/oauth/token", 200,
                                    R"({"access_token":"cdek-token-1","token_type":"bearer","expires_in":3599})"));
  w.ship.expect(json_expectation(
    "POST", "/v2/calculator/tariff", 200,
    R"({"delivery_sum":350.0,"period_min":2,"period_max":4,"weight_calc":1500,"total_sum":412.5,"currency":"RUB"})"));

  auto q = w.calculate("standard");
  REQUIRE_STATUS(q, 200);
  BOOST_TEST(same_money(number_of(q.json, "cost"), 412.50), q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{4}, q.body);

  auto tokens = w.ship.recorded_requests(R"({"path":"/v2/oauth/token"})");
  BOOST_TEST_REQUIRE(tokens.Size() == 1u);
  BOOST_TEST(mock_first_header(tokens[0], "Content-Type").find("application/x-www-form-urlencoded") == 0u);
  auto token_form = form_fields(mock_request_text(tokens[0]));
  BOOST_TEST(token_form["grant_type"] == "client_credentials");
  BOOST_TEST(token_form["client_id"] == "cdek-client-7");
  BOOST_TEST(token_form["client_secret"] == "cdek-secret-Qw3");

  auto tariffs = w.ship.recorded_requests(R"({"path":"/v2/calculator/tariff"})");
  BOOST_TEST_REQUIRE(tariffs.Size() == 1u);
  BOOST_TEST(mock_first_header(tariffs[0], "Authorization") == "Bearer cdek-token-1");
  auto t = mock_request_body(tariffs[0]);
  BOOST_TEST_REQUIRE(t.IsObject(), mock_request_text(tariffs[0]));
  BOOST_TEST(int_of(t, "tariff_code") == std::optional<int64_t>{139});
  BOOST_TEST(string_of(t["from_location"], "postal_code") == "101000");
  BOOST_TEST(string_of(t["to_location"], "postal_code") == "190000");
  BOOST_TEST(string_of(t["to_location"], "city") == "Saint Petersburg");
  BOOST_TEST_REQUIRE((t["packages"].IsArray() && t["packages"].Size() == 1u));
  BOOST_TEST(int_of(t["packages"][0], "weight") == std::optional<int64_t>{1500}, "grams");
  BOOST_TEST(int_of(t["packages"][0], "length") == std::optional<int64_t>{30});
  BOOST_TEST(int_of(t["packages"][0], "height") == std::optional<int64_t>{11}, "whole centimetres, rounded up");

  // express is another tariff; the token is reused, not fetched again
  REQUIRE_STATUS(w.calculate("express"), 200);
  tariffs = w.ship.recorded_requests(R"({"path":"/v2/calculator/tariff"})");
  BOOST_TEST_REQUIRE(tariffs.Size() == 2u);
  BOOST_TEST(int_of(mock_request_body(tariffs[1]), "tariff_code") == std::optional<int64_t>{480});
  BOOST_TEST(w.ship.recorded_requests(R"({"path":"/v2/oauth/token"})").Size() == 1u);

  // an order: 202 with the entity's uuid
  w.ship.expect(json_expectation(
    "POST", "/v2/orders", 202,
    R"({"entity":{"uuid":"72753031-3c87-4f5e-a1b1-5d4a2a6c8d11"},"requests":[{"request_uuid":"72753031-aaaa-4f5e-a1b1-5d4a2a6c8d11","type":"CREATE","date_time":"2026-11-25T10:00:00+0000","state":"ACCEPTED"}]})"));
  int64_t order = w.new_order(2);
  auto s = w.book(order);
  REQUIRE_STATUS(s, 201);
  BOOST_TEST(string_of(s.json, "provider_shipment_id") == "72753031-3c87-4f5e-a1b1-5d4a2a6c8d11", s.body);
  BOOST_TEST(string_of(s.json, "status") == "accepted", s.body);
  BOOST_TEST(w.shipping_created(order));
  auto orders = w.ship.recorded_requests(R"({"path":"/v2/orders"})");
  BOOST_TEST_REQUIRE(orders.Size() == 1u);
  BOOST_TEST(mock_first_header(orders[0], "Authorization") == "Bearer cdek-token-1");
  auto o = mock_request_body(orders[0]);
  BOOST_TEST_REQUIRE(o.IsObject(), mock_request_text(orders[0]));
  BOOST_TEST(string_of(o, "number") == std::to_string(order));
  BOOST_TEST(int_of(o, "tariff_code") == std::optional<int64_t>{139});
  BOOST_TEST(string_of(o["recipient"], "name") == "Ivan Petrov");
  BOOST_TEST(string_of(o["recipient"]["phones"][0], "number") == "+7 (900) 123-45-67");
  BOOST_TEST(string_of(o["from_location"], "address") == "Tverskaya 1");
  BOOST_TEST(string_of(o["to_location"], "address") == "Nevsky 10");
  BOOST_TEST_REQUIRE((o["packages"].IsArray() && o["packages"].Size() == 1u));
  const auto& package = o["packages"][0];
  BOOST_TEST(int_of(package, "weight") == std::optional<int64_t>{1000}, "the default parcel weight");
  BOOST_TEST_REQUIRE((package["items"].IsArray() && package["items"].Size() == 1u));
  BOOST_TEST(string_of(package["items"][0], "ware_key") == w.sku);
  BOOST_TEST(int_of(package["items"][0], "amount") == std::optional<int64_t>{2});
  BOOST_TEST(same_money(number_of(package["items"][0], "cost"), 45.60));
  BOOST_TEST(int_of(package["items"][0]["payment"], "value") == std::optional<int64_t>{0});

  // a refused order (state INVALID) books nothing and may be retried
  w.ship.reset();
  w.ship.expect(json_expectation(
    "POST", "/v2/orders", 202,
    R"({"entity":{"uuid":"00000000-0000-0000-0000-000000000000"},"requests":[{"type":"CREATE","state":"INVALID","errors":[{"code":"v2_field_is_empty","message":"to_location.address is empty"}]}]})"));
  int64_t refused = w.new_order(1);
  auto bad = w.book(refused);
  CHECK_ERROR(bad, 502, "shipping_gateway_error");
  BOOST_TEST(!w.shipping_created(refused));
  BOOST_TEST(db_int("SELECT count(*) FROM shipments WHERE order_id = $1::bigint AND status <> 'creating'",
                    {std::to_string(refused)}) == 0);

  // an expired token: CDEK answers 401 once, the carrier renews the token and repeats the call
  w.ship.reset();
  w.ship.expect(json_expectation("POST", "/v2/oauth/token", 200, R"({"access_token":"cdek-token-2","expires_in":3599})"));
  w.ship.expect(R"({"httpRequest":{"method":"POST","path":"/v2/calculator/tariff","headers":{"Authorization":["Bearer cdek-token-1"]}},"httpResponse":{"statusCode":401,"body":"{\"requests\":[{\"errors\":[{\"code\":\"v2_token_expired\"}]}]}"}})");
  w.ship.expect(json_expectation("POST", "/v2/calculator/tariff", 200, R"({"total_sum":100,"period_max":1})"));
  auto renewed = w.calculate("standard");
  REQUIRE_STATUS(renewed, 200);
  BOOST_TEST(same_money(number_of(renewed.json, "cost"), 100.00), renewed.body);
  BOOST_TEST(w.ship.recorded_requests(R"({"path":"/v2/oauth/token"})").Size() == 1u);
  auto retried = w.ship.recorded_requests(R"({"path":"/v2/calculator/tariff"})");
  BOOST_TEST_REQUIRE(retried.Size() == 2u);
  BOOST_TEST(mock_first_header(retried[1], "Authorization") == "Bearer cdek-token-2");

  check_secret_hidden(*w.server, "cdek-secret-Qw3");
  check_secret_hidden(*w.server, "cdek-token-1");
}

BOOST_AUTO_TEST_CASE(boxberry_delivery_costs_parcel_create_and_err) {
  carrier_world w{"boxberry", "/json.php", {{"SHIPPING_SECRET", std::string{"bb-token-Zx81"}}}};
  w.ship.expect(expectation_with_query("GET", "/json.php", R"({"method":["DeliveryCosts"]})", 200,
                                       R"({"price":320.5,"price_base":300,"price_service":20.5,"delivery_period":5})"));
  auto q = w.calculate("standard");
  REQUIRE_STATUS(q, 200);
  BOOST_TEST(same_money(number_of(q.json, "cost"), 320.50), q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{5}, q.body);
  BOOST_TEST(string_of(q.json, "service") == "standard");
  auto costs = w.ship.recorded_requests(R"({"method":"GET","path":"/json.php"})");
  BOOST_TEST_REQUIRE(costs.Size() == 1u);
  BOOST_TEST(query_of(costs[0], "token") == "bb-token-Zx81");
  BOOST_TEST(query_of(costs[0], "method") == "DeliveryCosts");
  BOOST_TEST(query_of(costs[0], "weight") == "1500");
  BOOST_TEST(query_of(costs[0], "zip") == "190000");
  BOOST_TEST(query_of(costs[0], "depth") == "30");

  w.ship.expect(json_expectation("POST", "/json.php", 200, R"({"track":"BB0012345678","label":"https://api.boxberry.ru/label/BB0012345678"})"));
  int64_t order = w.new_order(3);
  auto s = w.book(order, json_object{{"packages", json_array{json_object{{"weight", 2.25}}}}});
  REQUIRE_STATUS(s, 201);
  BOOST_TEST(string_of(s.json, "tracking_number") == "BB0012345678", s.body);
  BOOST_TEST(string_of(s.json, "provider_shipment_id") == "BB0012345678", s.body);
  auto posts = w.ship.recorded_requests(R"({"method":"POST","path":"/json.php"})");
  BOOST_TEST_REQUIRE(posts.Size() == 1u);
  BOOST_TEST(mock_first_header(posts[0], "Content-Type").find("application/x-www-form-urlencoded") == 0u);
  auto form = form_fields(mock_request_text(posts[0]));
  BOOST_TEST(form["token"] == "bb-token-Zx81");
  BOOST_TEST(form["method"] == "ParselCreate");
  rapidjson::Document sdata;
  sdata.Parse(form["sdata"].c_str());
  BOOST_TEST_REQUIRE(sdata.IsObject(), form["sdata"]);
  BOOST_TEST(string_of(sdata, "order_id") == std::to_string(order));
  BOOST_TEST(same_money(number_of(sdata, "price"), 136.80), "the declared value: 3 x 45.60");
  BOOST_TEST(int_of(sdata, "payment_sum") == std::optional<int64_t>{0});
  BOOST_TEST(string_of(sdata["kurdost"], "index") == "190000");
  BOOST_TEST(string_of(sdata["kurdost"], "citi") == "Saint Petersburg");
  BOOST_TEST(string_of(sdata["customer"], "fio") == "Ivan Petrov");
  BOOST_TEST(string_of(sdata["items"][0], "id") == w.sku);
  BOOST_TEST(int_of(sdata["items"][0], "quantity") == std::optional<int64_t>{3});
  BOOST_TEST(int_of(sdata["weights"], "weight") == std::optional<int64_t>{2250});

  // Boxberry refuses with HTTP 200 and {"err": ...}: nothing is booked
  w.ship.reset();
  w.ship.expect(json_expectation("POST", "/json.php", 200, R"([{"err":"Не найден индекс получателя"}])"));
  w.ship.expect(json_expectation("GET", "/json.php", 200, R"({"err":"Ошибка расчета"})"));
  CHECK_ERROR(w.calculate("standard"), 502, "shipping_gateway_error");
  int64_t refused = w.new_order(1);
  CHECK_ERROR(w.book(refused), 502, "shipping_gateway_error");
  BOOST_TEST(!w.shipping_created(refused));

  check_secret_hidden(*w.server, "bb-token-Zx81");
}

BOOST_AUTO_TEST_CASE(russian_post_tariff_backlog_and_errors) {
  carrier_world w{"russian_post",
                  "",
                  {{"SHIPPING_ACCOUNT_ID", std::string{"shop@example.ru"}},
                   {"SHIPPING_SECRET", std::string{"rp-pass-9Kd"}},
                   {"SHIPPING_ACCESS_TOKEN", std::string{"rp-app-token-44"}},
                   {"SHIPPING_ORIGIN_POSTAL_CODE", std::string{"101000"}},
                   {"SHIPPING_DEFAULT_PARCEL_GRAMS", std::string{"800"}}}};
  const std::string user_auth = "Basic c2hvcEBleGFtcGxlLnJ1OnJwLXBhc3MtOUtk";  // base64("shop@example.ru:rp-pass-9Kd")
  w.ship.expect(json_expectation("POST", "/1.0/tariff", 200,
                                    R"({"total-rate":25000,"total-vat":5000,"delivery-time":{"max-days":6,"min-days":2}})"));
  auto q = w.calculate("express");
  REQUIRE_STATUS(q, 200);
  BOOST_TEST(same_money(number_of(q.json, "cost"), 300.00), "kopecks, rate plus VAT: " << q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{6}, q.body);
  auto tariffs = w.ship.recorded_requests(R"({"path":"/1.0/tariff"})");
  BOOST_TEST_REQUIRE(tariffs.Size() == 1u);
  BOOST_TEST(mock_first_header(tariffs[0], "Authorization") == "AccessToken rp-app-token-44");
  BOOST_TEST(mock_first_header(tariffs[0], "X-User-Authorization") == user_auth);
  BOOST_TEST(mock_first_header(tariffs[0], "Content-Type") == "application/json;charset=UTF-8");
  auto t = mock_request_body(tariffs[0]);
  BOOST_TEST_REQUIRE(t.IsObject(), mock_request_text(tariffs[0]));
  BOOST_TEST(int_of(t, "index-from") == std::optional<int64_t>{101000});
  BOOST_TEST(int_of(t, "index-to") == std::optional<int64_t>{190000});
  BOOST_TEST(string_of(t, "mail-type") == "EMS");
  BOOST_TEST(string_of(t, "mail-category") == "ORDINARY");
  BOOST_TEST(int_of(t, "mass") == std::optional<int64_t>{1500});

  w.ship.expect(json_expectation("PUT", "/1.0/user/backlog", 200, R"({"result-ids":[987654321]})"));
  int64_t order = w.new_order(1);
  auto s = w.book(order);
  REQUIRE_STATUS(s, 201);
  BOOST_TEST(string_of(s.json, "provider_shipment_id") == "987654321", s.body);
  BOOST_TEST(string_of(s.json, "status") == "created", s.body);
  auto puts = w.ship.recorded_requests(R"({"method":"PUT","path":"/1.0/user/backlog"})");
  BOOST_TEST_REQUIRE(puts.Size() == 1u);
  BOOST_TEST(mock_first_header(puts[0], "Authorization") == "AccessToken rp-app-token-44");
  BOOST_TEST(mock_first_header(puts[0], "X-User-Authorization") == user_auth);
  auto backlog = mock_request_body(puts[0]);
  BOOST_TEST_REQUIRE((backlog.IsArray() && backlog.Size() == 1u), mock_request_text(puts[0]));
  const auto& b = backlog[0];
  BOOST_TEST(string_of(b, "order-num") == std::to_string(order));
  BOOST_TEST(int_of(b, "index-to") == std::optional<int64_t>{190000});
  BOOST_TEST(string_of(b, "place-to") == "Saint Petersburg");
  BOOST_TEST(string_of(b, "street-to") == "Nevsky 10");
  BOOST_TEST(string_of(b, "recipient-name") == "Ivan Petrov");
  BOOST_TEST(int_of(b, "tel-address") == std::optional<int64_t>{79001234567});
  BOOST_TEST(string_of(b, "mail-type") == "POSTAL_PARCEL");
  BOOST_TEST(int_of(b, "mass") == std::optional<int64_t>{800}, "SHIPPING_DEFAULT_PARCEL_GRAMS");

  // per-order errors in a 200 answer: nothing is booked
  w.ship.reset();
  w.ship.expect(json_expectation(
    "PUT", "/1.0/user/backlog", 200,
    R"({"errors":[{"error-codes":[{"code":"ILLEGAL_INDEX_TO","description":"Неверный индекс"}],"position":0}]})"));
  int64_t refused = w.new_order(1);
  CHECK_ERROR(w.book(refused), 502, "shipping_gateway_error");
  BOOST_TEST(!w.shipping_created(refused));
  // the carrier down (500), then up again: the same order books on retry
  w.ship.reset();
  w.ship.expect(json_expectation("PUT", "/1.0/user/backlog", 500, R"({"error":"internal"})"));
  CHECK_ERROR(w.book(refused), 502, "shipping_gateway_error");
  w.ship.reset();
  w.ship.expect(json_expectation("PUT", "/1.0/user/backlog", 200, R"({"result-ids":[5]})"));
  CHECK_STATUS(w.book(refused), 201);
  BOOST_TEST(w.shipping_created(refused));

  check_secret_hidden(*w.server, "rp-pass-9Kd");
  check_secret_hidden(*w.server, "rp-app-token-44");
}

BOOST_AUTO_TEST_CASE(carriers_without_credentials_exit_2) {
  struct variant {
    env_overrides env;
    const char* what;
  };
  std::vector<variant> variants = {
    {{{"SHIPPING_PROVIDER", std::string{"cdek"}}, {"SHIPPING_ACCOUNT_ID", std::string{"id"}},
      {"SHIPPING_SECRET", std::nullopt}, {"SHIPPING_ORIGIN_POSTAL_CODE", std::string{"101000"}}},
     "cdek without SHIPPING_SECRET"},
    {{{"SHIPPING_PROVIDER", std::string{"cdek"}}, {"SHIPPING_ACCOUNT_ID", std::string{"id"}},
      {"SHIPPING_SECRET", std::string{"s"}}, {"SHIPPING_ORIGIN_POSTAL_CODE", std::nullopt}},
     "cdek without SHIPPING_ORIGIN_POSTAL_CODE"},
    {{{"SHIPPING_PROVIDER", std::string{"boxberry"}}, {"SHIPPING_SECRET", std::nullopt}}, "boxberry without SHIPPING_SECRET"},
    {{{"SHIPPING_PROVIDER", std::string{"russian_post"}}, {"SHIPPING_ACCOUNT_ID", std::string{"l"}},
      {"SHIPPING_SECRET", std::string{"p"}}, {"SHIPPING_ACCESS_TOKEN", std::nullopt},
      {"SHIPPING_ORIGIN_POSTAL_CODE", std::string{"101000"}}},
     "russian_post without SHIPPING_ACCESS_TOKEN"},
    {{{"SHIPPING_PROVIDER", std::string{"russian_post"}}, {"SHIPPING_ACCOUNT_ID", std::string{"l"}},
      {"SHIPPING_SECRET", std::string{"p"}}, {"SHIPPING_ACCESS_TOKEN", std::string{"t"}},
      {"SHIPPING_ORIGIN_POSTAL_CODE", std::string{"1010"}}},
     "russian_post with a four-digit origin"},
    {{{"SHIPPING_PROVIDER", std::string{"dhl"}}}, "an unknown carrier"},
  };
  for (const auto& v : variants)
    check_refused_at_start(v.env, "SHIPPING_", v.what);
}

BOOST_AUTO_TEST_SUITE_END()
