// The admin API (/admin/api/..., README "Admin console"): every route is staff only (anonymous
// 401, a user 403); the tree and the actor listing after known activity; the audited actions
// (passivate, trip and reset a breaker, retry a dead-lettered job); the console page.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <set>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

struct admin_route {
  const char* method;
  std::string path;
  std::string body;
};

/// Every admin route, with a well-formed request for each.
std::vector<admin_route> admin_routes() {
  std::vector<admin_route> routes{
    {"GET", "/admin/api/tree/", ""},
    {"GET", "/admin/api/actors/", ""},
    {"GET", "/admin/api/actors/?kind=cart&limit=5&probe=1", ""},
    {"GET", "/admin/api/actors/1/", ""},
    {"POST", "/admin/api/actors/1/passivate/", "{}"},
    {"GET", "/admin/api/gateways/", ""},
    {"GET", "/admin/api/jobs/", ""},
    {"POST", "/admin/api/jobs/00000000-0000-4000-8000-000000000000/retry/", "{}"},
    {"GET", "/admin/api/audit/", ""},
  };
  for (const char* kind : {"payment", "shipping", "email", "sms", "inventory"})
    routes.push_back({"POST", std::string{"/admin/api/gateways/"} + kind + "/breaker/", R"({"action":"reset"})"});
  return routes;
}

response call(client& c, const admin_route& r, const std::string& bearer) {
  return std::string{r.method} == "GET" ? c.get(r.path, bearer) : c.post(r.path, r.body, bearer);
}

/// Every page of /admin/api/actors with `query` (kind or supervisor), from `cursor`.
std::vector<rapidjson::Document> all_pages(client& c, const std::string& staff, const std::string& query,
                                           std::string cursor = "") {
  std::vector<rapidjson::Document> pages;
  for (int i = 0; i < 1000; ++i) {
    auto r = c.get("/admin/api/actors/?" + query + "&limit=200" + (cursor.empty() ? "" : "&cursor=" + url_encode(cursor)),
                   staff);
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    rapidjson::Document d;
    d.CopyFrom(r.json, d.GetAllocator());
    bool more = d["next_cursor"].IsString();
    cursor = more ? d["next_cursor"].GetString() : "";
    pages.push_back(std::move(d));
    if (!more)
      break;
  }
  return pages;
}

/// The listed actor of `kind` for entity `entity_id`, copied out, or an empty object.
rapidjson::Document find_listed(client& c, const std::string& staff, const std::string& kind, int64_t entity_id) {
  rapidjson::Document out(rapidjson::kObjectType);
  // Pages go in entity-id order: start just before the one we look for.
  for (auto& page : all_pages(c, staff, "kind=" + kind + "&probe=1", kind + ":" + std::to_string(entity_id - 1)))
    for (const auto& a : page["actors"].GetArray())
      if (int_of(a, "entity_id") == entity_id) {
        out.CopyFrom(a, out.GetAllocator());
        return out;
      }
  return out;
}

const rapidjson::Value* supervisor_in(const response& tree, const std::string& name) {
  for (const auto& s : tree.json["supervisors"].GetArray())
    if (string_of(s, "name") == name)
      return &s;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_api)

BOOST_AUTO_TEST_CASE(every_admin_route_is_staff_only) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "admin-authz");
  auto staff = staff_account(c);
  for (const auto& route : admin_routes()) {
    BOOST_TEST_CONTEXT(route.method << " " << route.path) {
      CHECK_ERROR(call(c, route, ""), 401, "not_authenticated");
      CHECK_ERROR(call(c, route, "not-a-token"), 401, "invalid_token");
      CHECK_ERROR(call(c, route, user.access), 403, "permission_denied");
      auto r = call(c, route, staff.access);
      // Staff gets through: 200, or the route's own answer for an id or gateway that is not there.
      BOOST_TEST((r.status == 200 || r.status == 202 || r.status == 404), r.describe());
      BOOST_TEST(r.status != 401);
      BOOST_TEST(r.status != 403);
      BOOST_TEST(r.is_json, r.describe());
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_listing_parameters_are_400_naming_the_field) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
         {"kind=robot", "kind"}, {"supervisor=robots", "supervisor"}, {"limit=0", "limit"}, {"limit=1001", "limit"},
         {"limit=abc", "limit"}, {"cursor=cart", "cursor"}, {"cursor=cart:x", "cursor"}, {"cursor=robot:1", "cursor"},
         {"kind=cart&cursor=order:1", "cursor"}, {"kind=cart&supervisor=orders", "supervisor"}, {"probe=maybe", "probe"}}) {
    auto r = c.get("/admin/api/actors/?" + query, staff.access);
    BOOST_TEST_CONTEXT(query) {
      CHECK_ERROR(r, 400, "validation_error");
      BOOST_TEST(r.body.find(field) != std::string::npos, r.describe());
    }
  }
  CHECK_ERROR(c.post("/admin/api/gateways/payment/breaker/", R"({"action":"explode"})", staff.access), 400,
              "validation_error");
  CHECK_ERROR(c.post("/admin/api/gateways/payment/breaker/", "[1]", staff.access), 400, "invalid_json");
  CHECK_ERROR(c.get("/admin/api/audit/?limit=0", staff.access), 400, "validation_error");
  // A malformed actor or task id is a 404 like an unknown one.
  BOOST_TEST(c.get("/admin/api/actors/abc/", staff.access).status == 404);
  BOOST_TEST(c.post("/admin/api/jobs/not-a-uuid/retry/", "{}", staff.access).status == 404);
}

BOOST_AUTO_TEST_CASE(tree_and_listing_show_three_live_carts_and_an_order) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto product = create_product(c, staff.access, "Admin tree " + unique_tag(), "9.99", 100);
  std::vector<account> buyers;
  for (int i = 0; i < 3; ++i) {
    buyers.push_back(new_account(c, "admin-tree"));
    REQUIRE_STATUS(c.post("/api/cart/items/", R"({"product_id":)" + std::to_string(product) + R"(,"quantity":1})",
                          buyers.back().access),
                   201);
  }
  auto placed = c.post("/api/orders/", order_body({{product, 2}}), buyers[0].access);
  REQUIRE_STATUS(placed, 201);
  auto order_id = *int_of(placed.json, "id");
  REQUIRE_STATUS(c.get("/api/orders/" + std::to_string(order_id) + "/", buyers[0].access), 200);

  auto tree = c.get("/admin/api/tree/", staff.access);
  REQUIRE_STATUS(tree, 200);
  std::set<std::string> names;
  for (const auto& s : tree.json["supervisors"].GetArray())
    names.insert(string_of(s, "name"));
  BOOST_TEST((names == std::set<std::string>{"users", "products", "carts", "orders"}), tree.body);
  const auto* carts = supervisor_in(tree, "carts");
  BOOST_TEST_REQUIRE(carts);
  BOOST_TEST(*int_of(*carts, "active") >= 3);
  BOOST_TEST(*int_of(*carts, "restart_budget") <= *int_of(*carts, "max_restarts"));
  BOOST_TEST(int_of(*carts, "mailbox_size").value_or(-1) >= 0, tree.body);
  BOOST_TEST(*int_of(*supervisor_in(tree, "orders"), "active") >= 1);
  BOOST_TEST(tree.json["gateways"].IsArray());
  BOOST_TEST(*int_of(tree.json["requests"], "in_flight") >= 1);  // this very request
  BOOST_TEST(*int_of(tree.json["requests"], "total") >= 8);

  for (const auto& b : buyers) {
    BOOST_TEST_CONTEXT("cart of user " << b.id) {
      auto a = find_listed(c, staff.access, "cart", b.id);
      BOOST_TEST_REQUIRE(a.HasMember("id"), "not listed");
      BOOST_TEST(string_of(a, "kind") == "cart");
      BOOST_TEST(string_of(a, "supervisor") == "carts");
      BOOST_TEST(*int_of(a, "messages_routed") >= 1);
      BOOST_TEST(*int_of(a, "restarts") == 0);
      BOOST_TEST(is_iso8601_utc(string_of(a, "last_activity_at")), string_of(a, "last_activity_at"));
      BOOST_TEST(a["mailbox_size"].IsInt64());
      BOOST_TEST(string_of(a, "state").find(std::to_string(b.id)) != std::string::npos, string_of(a, "state"));
    }
  }
  auto order = find_listed(c, staff.access, "order", order_id);
  BOOST_TEST_REQUIRE(order.HasMember("id"), "order " << order_id << " not listed");
  BOOST_TEST(string_of(order, "state").find("pending") != std::string::npos, string_of(order, "state"));
  // One actor by its id, probed.
  auto one = c.get("/admin/api/actors/" + std::to_string(*int_of(order, "id")) + "/", staff.access);
  REQUIRE_STATUS(one, 200);
  BOOST_TEST(*int_of(one.json, "entity_id") == order_id);
  BOOST_TEST(one.json["mailbox_size"].IsInt64());

  // Pages of one listing never repeat an actor, and a small limit gives a cursor.
  auto first = c.get("/admin/api/actors/?kind=cart&limit=2", staff.access);
  REQUIRE_STATUS(first, 200);
  BOOST_TEST(first.json["actors"].Size() == 2u);
  BOOST_TEST_REQUIRE(first.json["next_cursor"].IsString());
  std::set<int64_t> seen;
  size_t listed = 0;
  for (auto& page : all_pages(c, staff.access, "kind=cart"))
    for (const auto& a : page["actors"].GetArray()) {
      seen.insert(*int_of(a, "id"));
      ++listed;
      BOOST_TEST(a["mailbox_size"].IsNull());  // not probed unless asked
    }
  BOOST_TEST(seen.size() == listed);
  BOOST_TEST(listed >= 3u);
}

BOOST_AUTO_TEST_CASE(actions_are_audited_and_take_effect) {
  gateway_world w{"PAYMENT", "", "", {}, "admin-actions"};
  auto& c = *w.c;
  auto staff = staff_account(c);

  // Passivate: the cart's actor leaves the listing; the cart stays (it is in PostgreSQL).
  REQUIRE_STATUS(c.post("/api/cart/items/", R"({"product_id":)" + std::to_string(w.product) + R"(,"quantity":1})",
                        w.owner.access),
                 201);
  auto cart = find_listed(c, staff.access, "cart", w.owner.id);
  BOOST_TEST_REQUIRE(cart.HasMember("id"));
  auto actor_id = std::to_string(*int_of(cart, "id"));
  auto passivated = c.post("/admin/api/actors/" + actor_id + "/passivate/", "{}", staff.access);
  REQUIRE_STATUS(passivated, 200);
  BOOST_TEST(passivated.json["passivated"].GetBool());
  BOOST_TEST(!find_listed(c, staff.access, "cart", w.owner.id).HasMember("id"));
  CHECK_ERROR(c.get("/admin/api/actors/" + actor_id + "/", staff.access), 404, "not_found");
  CHECK_ERROR(c.post("/admin/api/actors/" + actor_id + "/passivate/", "{}", staff.access), 404, "not_found");
  auto cart_again = c.get("/api/cart/", w.owner.access);
  REQUIRE_STATUS(cart_again, 200);
  BOOST_TEST(cart_again.json["items"].Size() == 1u);

  // A payment through the gateway: the console counts it and knows its breaker.
  w.gateway.expect(json_expectation("POST", "/api/v1/payments", 201, R"({"id":"pay_admin_1","status":"succeeded"})"));
  REQUIRE_STATUS(c.post("/api/payments/process/", process_body(w.new_order(), "tok_admin"), w.owner.access), 200);
  auto gateways = c.get("/admin/api/gateways/", staff.access);
  REQUIRE_STATUS(gateways, 200);
  const rapidjson::Value* payment = nullptr;
  for (const auto& g : gateways.json["gateways"].GetArray())
    if (string_of(g, "kind") == "payment")
      payment = &g;
  BOOST_TEST_REQUIRE(payment);
  BOOST_TEST(string_of(*payment, "provider") == "generic");
  BOOST_TEST(string_of(*payment, "breaker") == "closed");
  BOOST_TEST(*int_of(*payment, "calls") >= 1);
  BOOST_TEST(*int_of(*payment, "errors") == 0);
  BOOST_TEST(*int_of((*payment)["latency_ms"], "p99") >= *int_of((*payment)["latency_ms"], "p50"));
  BOOST_TEST((*payment)["last_error"].IsNull());

  // Trip: payments are refused without reaching the gateway; reset: they go through again.
  auto tripped = c.post("/admin/api/gateways/payment/breaker/", R"({"action":"trip"})", staff.access);
  REQUIRE_STATUS(tripped, 200);
  BOOST_TEST(*int_of(tripped.json, "breakers_changed") >= 1);
  BOOST_TEST(string_of(tripped.json["gateway"], "breaker") == "open");
  auto seen_before = w.gateway.recorded_requests(R"({"method":"POST","path":"/api/v1/payments"})").Size();
  auto refused_order = w.new_order();
  CHECK_ERROR(c.post("/api/payments/process/", process_body(refused_order, "tok_admin2"), w.owner.access), 502,
              "payment_gateway_error");
  BOOST_TEST(w.gateway.recorded_requests(R"({"method":"POST","path":"/api/v1/payments"})").Size() == seen_before);
  auto reset = c.post("/admin/api/gateways/payment/breaker/", R"({"action":"reset"})", staff.access);
  REQUIRE_STATUS(reset, 200);
  BOOST_TEST(string_of(reset.json["gateway"], "breaker") == "closed");
  auto after_reset = c.get("/admin/api/gateways/", staff.access);
  BOOST_TEST(after_reset.body.find("circuit breaker open") != std::string::npos, "the refusal is the last error");
  CHECK_ERROR(c.post("/admin/api/gateways/sms/breaker/", R"({"action":"trip"})", staff.access), 404, "not_found");

  // Retry a dead-lettered job: a failed noop task goes back on the queue and runs.
  auto task_id = *db_value("INSERT INTO tasks (id, type, payload, status, error, attempts, dead_letter, finished_at) "
                           "VALUES (gen_random_uuid(), 'noop', '{}', 'FAILURE', 'boom', 5, true, now()) RETURNING id::text");
  auto jobs = c.get("/admin/api/jobs/", staff.access);
  REQUIRE_STATUS(jobs, 200);
  BOOST_TEST(jobs.body.find(task_id) != std::string::npos, "the failure is listed: " << jobs.body);
  BOOST_TEST(jobs.json["beat"]["schedule"].IsArray());
  BOOST_TEST(jobs.json["queue"]["depth"].IsInt64());
  auto retried = c.post("/admin/api/jobs/" + task_id + "/retry/", "{}", staff.access);
  REQUIRE_STATUS(retried, 202);
  BOOST_TEST(string_of(retried.json, "type") == "noop");
  auto done = wait_for_task(c, task_id, staff.access);
  BOOST_TEST(final_status_of(done) == "SUCCESS", done.describe());
  CHECK_ERROR(c.post("/admin/api/jobs/" + task_id + "/retry/", "{}", staff.access), 404, "not_found");

  // Every action, refused ones too, is in the audit with who did it.
  auto audit = c.get("/admin/api/audit/?limit=20", staff.access);
  REQUIRE_STATUS(audit, 200);
  std::vector<std::string> seen;
  for (const auto& e : audit.json["entries"].GetArray()) {
    BOOST_TEST(string_of(e, "staff_email") == admin_email);
    BOOST_TEST(is_iso8601_utc(string_of(e, "at")));
    seen.push_back(string_of(e, "action") + " " + string_of(e, "target") + " " + string_of(e, "outcome"));
  }
  std::vector<std::string> expected{"retry_job " + task_id + " not_found",
                                    "retry_job " + task_id + " done",
                                    "trip_breaker sms not_found",
                                    "reset_breaker payment done",
                                    "trip_breaker payment done",
                                    "passivate_actor " + actor_id + " not_found",
                                    "passivate_actor " + actor_id + " done"};
  BOOST_TEST_REQUIRE(seen.size() >= expected.size(), audit.body);
  BOOST_TEST(std::vector<std::string>(seen.begin(), seen.begin() + expected.size()) == expected, audit.body);
}

BOOST_AUTO_TEST_CASE(console_page_is_one_self_contained_page) {
  client c{shared_server().base_url()};
  for (const char* path : {"/admin/", "/admin"}) {
    auto r = c.get(path);
    REQUIRE_STATUS(r, 200);
    BOOST_TEST(r.header("Content-Type").rfind("text/html", 0) == 0, r.header("Content-Type"));
    BOOST_TEST(r.body.find("<script>") != std::string::npos);
    BOOST_TEST(r.body.find("/admin/api/tree/") != std::string::npos);
    // No external assets: nothing is loaded from elsewhere.
    BOOST_TEST(r.body.find("src=\"http") == std::string::npos);
    BOOST_TEST(r.body.find("href=\"http") == std::string::npos);
    BOOST_TEST(r.body.find("<link") == std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
