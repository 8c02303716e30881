// Shipping (API.md §3.6, §6) against a dedicated server whose shipping and e-mail gateways are two
// commerce-mock instances, with GATEWAY_TIMEOUT_MS=1000: the document's quote / shipment /
// tracking flow with its mock bodies, the outbound request bodies, one shipment per order, the
// order states that may and may not ship, gateway failures followed by a successful retry,
// tracking without the carrier, ownership and input validation. Both mocks are reset per case.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// The document's ShippingServiceMock replies (json.dumps strings).
const char* const ship_calculate_reply = R"({"cost": 250.0, "delivery_days": 3, "service": "standard"})";
const char* const ship_order_reply =
  R"({"id": "ship_mock_1732500000.111111", "tracking_number": "TRACK123456", "status": "created"})";

std::string ship_expectation(const std::string& path, int status, const std::string& body, int delay_ms = 0) {
  answer_options options;
  options.delay_ms = delay_ms;
  return mock_answer("POST", path, status, body, options);
}

const std::string ship_calc_req = R"({"method":"POST","path":"/api/v1/shipping/calculate"})";
const std::string ship_orders_req = R"({"method":"POST","path":"/api/v1/shipping/orders"})";
const std::string ship_any_req = R"({"path":"/api/v1/shipping/.*"})";

struct shipping_env {
  static constexpr const char* what = "the shipping server";
  gateway_mock ship;
  gateway_mock mail;
  server_process server{gateway_server("SHIPPING", ship.base_url(), mail.base_url())};
  account owner, stranger, staff;
  int64_t product = 0;
  std::string product_sku;

  shipping_env() {
    client c{server.base_url()};
    owner = new_account(c, "shipper");
    stranger = new_account(c, "shipstranger");
    staff = staff_account(c);
    product = create_product(c, staff.access, unique_tag("Shippable "), "99.90", 100000);
    auto p = c.get("/api/products/" + std::to_string(product) + "/");
    product_sku = string_of(p.json, "sku");
  }
};


std::string recipient_json(const std::string& extra = "") {
  return R"({"name":"Ivan Petrov","phone":"+79001234567","address":{"city":"Moscow","postal_code":"101000","street":"Tverskaya 1"})" +
         extra + "}";
}

std::string create_body(int64_t order_id, const std::string& service = "standard",
                        const std::string& recipient = recipient_json()) {
  return json_object{{"order_id", order_id}, {"service", service}, {"recipient", json_raw(recipient)}};
}

std::string calc_body(const std::string& packages = R"([{"weight":1.5,"dimensions":{"length":10,"width":20,"height":30}}])",
                      const std::string& destination = R"({"city":"Moscow","postal_code":"101000"})",
                      const json_object& extra = json_object{{"service", "standard"}}) {
  return json_object{{"destination", json_raw(destination)}, {"packages", json_raw(packages)}}.merge(extra);
}

struct shipping_case {
  shipping_env& env;
  client c;

  shipping_case() : env(suite_env<shipping_env>::get()), c(env.server.base_url()) {
    env.ship.reset();
    env.mail.reset();
    env.mail.expect(email_queued_expectation());
  }

  void carrier_ok() {
    env.ship.expect(ship_expectation("/api/v1/shipping/calculate", 200, ship_calculate_reply));
    env.ship.expect(ship_expectation("/api/v1/shipping/orders", 201, ship_order_reply));
  }

  int64_t new_order(int quantity = 2, const account* who = nullptr) {
    auto r = c.post("/api/orders/", order_body({{env.product, quantity}}), (who ? *who : env.owner).access);
    REQUIRE_STATUS(r, 201);
    auto id = int_of(r.json, "id").value_or(0);
    BOOST_TEST_REQUIRE(id > 0);
    return id;
  }

  bool shipping_created(int64_t order_id) {
    auto r = c.get("/api/orders/" + std::to_string(order_id) + "/", env.owner.access);
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    auto m = r.json.FindMember("shipping_created");
    BOOST_TEST_REQUIRE((m != r.json.MemberEnd() && m->value.IsBool()), r.body);
    return m->value.GetBool();
  }

  void check_seen(const std::string& req, int n, const std::string& context) {
    auto r = env.ship.verify_times(req, n, n);
    BOOST_TEST(r.status == 202, context << ": expected exactly " << n << " x " << req << ": " << r.describe());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(shipping, shipping_case, *boost::unit_test::fixture<suite_env<shipping_env>>())

BOOST_AUTO_TEST_CASE(document_flow_calculate_create_track) {
  carrier_ok();
  auto q = c.post("/api/shipping/calculate/", calc_body(), env.owner.access);
  REQUIRE_STATUS(q, 200);
  BOOST_TEST(same_money(number_of(q.json, "cost"), 250.0), q.body);
  BOOST_TEST(string_of(q.json, "currency") == "RUB", q.body);
  BOOST_TEST(int_of(q.json, "delivery_days") == std::optional<int64_t>{3}, q.body);
  BOOST_TEST(string_of(q.json, "service") == "standard", q.body);

  auto calc_seen = env.ship.recorded_requests(ship_calc_req);
  BOOST_TEST_REQUIRE(calc_seen.Size() == 1u);
  auto cb = mock_request_body(calc_seen[0]);
  BOOST_TEST_REQUIRE(cb.IsObject(), "calculate body is not a JSON object");
  BOOST_TEST(cb.HasMember("destination"));
  BOOST_TEST(cb.HasMember("packages"));
  BOOST_TEST(string_of(cb, "service") == "standard");
  if (cb.HasMember("destination") && cb["destination"].IsObject()) {
    BOOST_TEST(string_of(cb["destination"], "city") == "Moscow");
    BOOST_TEST(string_of(cb["destination"], "postal_code") == "101000");
  }
  if (cb.HasMember("packages") && cb["packages"].IsArray()) {
    BOOST_TEST_REQUIRE(cb["packages"].Size() == 1u);
    BOOST_TEST(same_money(number_of(cb["packages"][0], "weight"), 1.5));
  }

  int64_t order = new_order(2);
  BOOST_TEST(!shipping_created(order));
  auto s = c.post("/api/shipping/create/", create_body(order, "express"), env.owner.access);
  REQUIRE_STATUS(s, 201);
  auto sid = int_of(s.json, "id").value_or(0);
  BOOST_TEST(sid > 0, s.body);
  BOOST_TEST(int_of(s.json, "order_id") == std::optional<int64_t>{order}, s.body);
  BOOST_TEST(string_of(s.json, "tracking_number") == "TRACK123456", s.body);
  BOOST_TEST(string_of(s.json, "provider_shipment_id") == "ship_mock_1732500000.111111", s.body);
  BOOST_TEST(string_of(s.json, "service") == "express", s.body);
  BOOST_TEST(string_of(s.json, "status") != "<missing>", s.body);
  BOOST_TEST(string_of(s.json, "created_at") != "<missing>", s.body);
  BOOST_TEST(shipping_created(order));

  auto orders_seen = env.ship.recorded_requests(ship_orders_req);
  BOOST_TEST_REQUIRE(orders_seen.Size() == 1u);
  auto ob = mock_request_body(orders_seen[0]);
  BOOST_TEST_REQUIRE(ob.IsObject(), "shipping/orders body is not a JSON object");
  BOOST_TEST(int_of(ob, "order_id") == std::optional<int64_t>{order});
  BOOST_TEST(string_of(ob, "service") == "express");
  BOOST_TEST_REQUIRE((ob.HasMember("recipient") && ob["recipient"].IsObject()));
  BOOST_TEST(string_of(ob["recipient"], "name") == "Ivan Petrov");
  BOOST_TEST(string_of(ob["recipient"], "phone") == "+79001234567");
  BOOST_TEST_REQUIRE((ob.HasMember("items") && ob["items"].IsArray() && ob["items"].Size() == 1u));
  BOOST_TEST(string_of(ob["items"][0], "sku") == env.product_sku);
  BOOST_TEST(int_of(ob["items"][0], "quantity") == std::optional<int64_t>{2});

  auto t = c.get("/api/shipping/tracking/" + std::to_string(sid) + "/", env.owner.access);
  REQUIRE_STATUS(t, 200);
  BOOST_TEST(int_of(t.json, "id") == std::optional<int64_t>{sid});
  BOOST_TEST(int_of(t.json, "order_id") == std::optional<int64_t>{order});
  BOOST_TEST(string_of(t.json, "tracking_number") == "TRACK123456");
  BOOST_TEST(string_of(t.json, "service") == "express");
  BOOST_TEST(string_of(t.json, "status") != "<missing>");
  BOOST_TEST_REQUIRE((t.json.HasMember("events") && t.json["events"].IsArray()), t.body);
  BOOST_TEST(t.json["events"].Size() == 0u, t.body);
}

BOOST_AUTO_TEST_CASE(second_shipment_is_409_without_carrier_call) {
  carrier_ok();
  int64_t order = new_order();
  REQUIRE_STATUS(c.post("/api/shipping/create/", create_body(order), env.owner.access), 201);
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(order), env.owner.access), 409, "shipment_exists");
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(order), env.staff.access), 409, "shipment_exists");
  check_seen(ship_orders_req, 1, "one booking");
  BOOST_TEST(db_int("SELECT count(*) FROM shipments WHERE order_id = $1::bigint", {std::to_string(order)}) == 1);
}

BOOST_AUTO_TEST_CASE(cancelled_and_refunded_orders_cannot_ship_unpaid_may) {
  carrier_ok();
  int64_t cancelled = new_order();
  REQUIRE_STATUS(c.post("/api/orders/" + std::to_string(cancelled) + "/cancel/", "{}", env.owner.access), 200);
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(cancelled), env.owner.access), 409, "invalid_order_state");

  int64_t refunded = new_order();
  db_value("UPDATE orders SET status='refunded', payment_status='refunded' WHERE id = $1::bigint RETURNING id",
           {std::to_string(refunded)});
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(refunded), env.owner.access), 409, "invalid_order_state");
  check_seen(ship_orders_req, 0, "refused orders never reach the carrier");

  int64_t unpaid = new_order();
  auto r = c.post("/api/shipping/create/", create_body(unpaid), env.owner.access);
  CHECK_STATUS(r, 201);
  BOOST_TEST(shipping_created(unpaid));
}

BOOST_AUTO_TEST_CASE(carrier_500_then_retry_succeeds) {
  env.ship.expect(ship_expectation("/api/v1/shipping/orders", 500, R"({"error":"boom"})"));
  env.ship.expect(ship_expectation("/api/v1/shipping/calculate", 500, R"({"error":"boom"})"));
  int64_t order = new_order();
  CHECK_STATUS(c.post("/api/shipping/create/", create_body(order), env.owner.access), 502);
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(), env.owner.access), 502);
  BOOST_TEST(!shipping_created(order));
  BOOST_TEST(db_int("SELECT count(*) FROM shipments WHERE order_id = $1::bigint AND tracking_number IS NOT NULL",
                    {std::to_string(order)}) == 0);
  env.ship.reset();
  carrier_ok();
  auto r = c.post("/api/shipping/create/", create_body(order), env.owner.access);
  CHECK_STATUS(r, 201);
  BOOST_TEST(string_of(r.json, "tracking_number") == "TRACK123456");
  BOOST_TEST(shipping_created(order));
}

BOOST_AUTO_TEST_CASE(carrier_answer_over_a_mebibyte_is_refused_not_buffered) {
  // A well-formed quote padded to 2 MiB: the client cuts the transfer off at 1 MiB.
  std::string padded = R"({"cost": 350.00, "currency": "RUB", "delivery_days": 3, "pad": ")" +
                       std::string(2u << 20, 'x') + "\"}";
  env.ship.expect(ship_expectation("/api/v1/shipping/calculate", 200, padded));
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(), env.owner.access), 502);
  env.ship.reset();
  carrier_ok();
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(), env.owner.access), 200);
}

BOOST_AUTO_TEST_CASE(carrier_timeout_then_retry_succeeds) {
  env.ship.expect(ship_expectation("/api/v1/shipping/orders", 201, ship_order_reply, 2500));
  env.ship.expect(ship_expectation("/api/v1/shipping/calculate", 200, ship_calculate_reply, 2500));
  int64_t order = new_order();
  CHECK_STATUS(c.post("/api/shipping/create/", create_body(order), env.owner.access), 504);
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(), env.owner.access), 504);
  BOOST_TEST(!shipping_created(order));
  std::this_thread::sleep_for(2s);  // let the delayed replies drain
  env.ship.reset();
  carrier_ok();
  auto r = c.post("/api/shipping/create/", create_body(order), env.owner.access);
  CHECK_STATUS(r, 201);
  BOOST_TEST(shipping_created(order));
}

BOOST_AUTO_TEST_CASE(tracking_never_calls_the_carrier) {
  carrier_ok();
  int64_t order = new_order();
  auto s = c.post("/api/shipping/create/", create_body(order), env.owner.access);
  REQUIRE_STATUS(s, 201);
  auto sid = std::to_string(int_of(s.json, "id").value_or(0));
  env.ship.reset();  // no expectations: any carrier call would get 404 -> 502
  auto t = c.get("/api/shipping/tracking/" + sid + "/", env.owner.access);
  CHECK_STATUS(t, 200);
  BOOST_TEST(string_of(t.json, "tracking_number") == "TRACK123456");
  check_seen(ship_any_req, 0, "tracking");
}

BOOST_AUTO_TEST_CASE(ownership_owner_staff_stranger) {
  carrier_ok();
  int64_t order = new_order();
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(order), env.stranger.access), 404, "not_found");
  check_seen(ship_orders_req, 0, "stranger's create");
  auto s = c.post("/api/shipping/create/", create_body(order), env.owner.access);
  REQUIRE_STATUS(s, 201);
  auto path = "/api/shipping/tracking/" + std::to_string(int_of(s.json, "id").value_or(0)) + "/";
  CHECK_STATUS(c.get(path, env.owner.access), 200);
  CHECK_STATUS(c.get(path, env.staff.access), 200);
  CHECK_ERROR(c.get(path, env.stranger.access), 404, "not_found");
  CHECK_STATUS(c.get(path), 401);
  CHECK_ERROR(c.get("/api/shipping/tracking/999999999/", env.owner.access), 404, "not_found");
  CHECK_ERROR(c.post("/api/shipping/create/", create_body(999999999), env.owner.access), 404, "not_found");

  // Staff may book for someone else's order.
  int64_t other = new_order();
  CHECK_STATUS(c.post("/api/shipping/create/", create_body(other), env.staff.access), 201);

  // calculate with someone else's order_id
  auto q = c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1}])", R"({"city":"Moscow","postal_code":"1"})",
                                                        json_object{{"order_id", order}}),
                  env.stranger.access);
  CHECK_ERROR(q, 404, "not_found");
  check_seen(ship_calc_req, 0, "stranger's quote");
  auto mine = c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1}])", R"({"city":"Moscow","postal_code":"1"})",
                                                           json_object{{"order_id", order}}),
                     env.owner.access);
  CHECK_STATUS(mine, 200);
}

BOOST_AUTO_TEST_CASE(calculate_bad_inputs) {
  carrier_ok();
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1}])", R"({"postal_code":"1"})"),
                           env.owner.access),
                    "destination.city");
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body("[]"), env.owner.access), "packages");
  json_array many;
  for (int i = 0; i < 51; ++i)
    many.add(json_object{{"weight", 1}});
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(many), env.owner.access), "packages");
  json_array fifty;
  for (int i = 0; i < 50; ++i)
    fifty.add(json_object{{"weight", 1}});
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(fifty), env.owner.access), 200);
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":0}])"), env.owner.access),
                    "packages.0.weight");
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1},{"weight":1001}])"), env.owner.access),
                    "packages.1.weight");
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":"x"}])"), env.owner.access),
                    "packages.0.weight");
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1000}])"), env.owner.access), 200);
  CHECK_FIELD_ERROR(c.post("/api/shipping/calculate/", calc_body(R"([{"weight":1}])", R"({"city":"Moscow","postal_code":"1"})",
                                                                 json_object{{"service", "teleport"}}),
                           env.owner.access),
                    "service");
  CHECK_STATUS(c.post("/api/shipping/calculate/", calc_body()), 401);
  check_seen(ship_calc_req, 2, "only the two valid quotes reach the carrier");
}

BOOST_AUTO_TEST_CASE(create_bad_inputs) {
  carrier_ok();
  int64_t order = new_order();
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/",
                           create_body(order, "standard", R"({"name":"A","address":{"city":"M","postal_code":"1"}})"),
                           env.owner.access),
                    "recipient.phone");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/",
                           create_body(order, "standard", R"({"name":"A","phone":"1","address":"Moscow"})"),
                           env.owner.access),
                    "recipient.address");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", create_body(order, "teleport"), env.owner.access), "service");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", json_object{{"recipient", json_raw(recipient_json())}}, env.owner.access),
                    "order_id");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", json_object{{"order_id", order}}, env.owner.access),
                    "recipient");
  auto with_packages = [&](const std::string& packages) {
    return json_object{{"order_id", order}, {"recipient", json_raw(recipient_json())}, {"packages", json_raw(packages)}};
  };
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", with_packages("[]"), env.owner.access), "packages");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", with_packages(R"([{"weight":0}])"), env.owner.access),
                    "packages.0.weight");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", with_packages(R"([{"weight":1,"dimensions":{"length":-1}}])"),
                           env.owner.access),
                    "packages.0.dimensions.length");
  CHECK_FIELD_ERROR(c.post("/api/shipping/create/", with_packages(R"("heavy")"), env.owner.access), "packages");
  check_seen(ship_orders_req, 0, "invalid bookings");
  BOOST_TEST(!shipping_created(order));
}

BOOST_AUTO_TEST_SUITE_END()
