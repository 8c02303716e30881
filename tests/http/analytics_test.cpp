// Analytics (API.md §3.7, issue 10): POST /api/analytics/track/ answers at once and a writer actor
// stores the events in batches; GET /api/analytics/stats/ (staff) counts them, tracked-then-read
// included, over an optional ?from=&to= window; a clean stop (SIGTERM) loses none of them.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

/// Now as ISO-8601 UTC with milliseconds: a window bound that separates this test's events from
/// earlier ones (the suite runs its cases one after another).
std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any year an int holds (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

/// A window bound strictly between events tracked before and after it (the server stamps events
/// with its own clock, at millisecond precision or finer).
std::string boundary() {
  std::this_thread::sleep_for(5ms);
  auto t = iso_now();
  std::this_thread::sleep_for(5ms);
  return t;
}

int64_t track_ok(client& c, const json_value& event, const std::string& bearer = "") {
  auto r = c.post("/api/analytics/track/", event, bearer);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.str("status") == "tracked", r.describe());
  auto id = int_of(r.json, "id");
  BOOST_TEST_REQUIRE((id && *id > 0), r.describe());
  return *id;
}

response stats(client& c, const std::string& staff, const std::string& query = "") {
  return c.get("/api/analytics/stats/" + query, staff);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(analytics)

// The document's test_analytics_integration (section 4): three events as a signed-in user, then
// the staff statistics.
BOOST_AUTO_TEST_CASE(document_analytics_integration) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto from = boundary();
  for (const auto& event : {json_object{{"type", "page_view"}, {"page", "/products/1"}, {"user_agent", "integration-test"}},
                            json_object{{"type", "add_to_cart"}, {"product_id", "test_product_1"}, {"quantity", 2}},
                            json_object{{"type", "purchase"}, {"order_id", "test_order_123"}, {"amount", 200.00}}})
    track_ok(c, event, staff.access);
  auto r = stats(c, staff.access, "?from=" + url_encode(from));
  REQUIRE_STATUS(r, 200);
  BOOST_TEST(r.json.HasMember("page_views"), r.describe());
  BOOST_TEST(r.json.HasMember("conversion_rate"), r.describe());
  // The events just tracked are counted, though the writer may not have flushed them yet.
  BOOST_TEST((int_of(r.json, "page_views") == std::optional<int64_t>{1}), r.describe());
  BOOST_TEST((int_of(r.json, "add_to_cart") == std::optional<int64_t>{1}), r.describe());
  BOOST_TEST((int_of(r.json, "purchases") == std::optional<int64_t>{1}), r.describe());
  BOOST_TEST(same_money(number_of(r.json, "revenue"), 200.00), r.describe());
  BOOST_TEST(number_of(r.json, "conversion_rate") == 1.0, r.describe());
}

BOOST_AUTO_TEST_CASE(track_answers_status_and_id_and_keeps_the_event_as_received) {
  client c{shared_server().base_url()};
  auto user = new_account(c, "analytics");
  auto anonymous = track_ok(c, json_object{{"type", "page_view"}, {"page", "/"}});
  auto r = c.post("/api/analytics/track/",
                  json_object{{"type", "product_view"},
                              {"product_id", "sku-42"},
                              {"nested", json_object{{"list", json_array{1, "two", nullptr}}, {"flag", true}}}},
                  user.access);
  REQUIRE_STATUS(r, 200);
  BOOST_TEST((keys_of(r.json) == std::set<std::string>{"status", "id"}), r.describe());
  auto id = int_of(r.json, "id");
  BOOST_TEST_REQUIRE(id.has_value(), r.describe());
  BOOST_TEST(*id != anonymous);
  // Stored once the writer flushes: poll the table, then check what was kept.
  BOOST_TEST(poll_until([&] { return db_int("SELECT count(*) FROM analytics_events WHERE id = $1::bigint",
                                            {std::to_string(*id)}) == 1; },
                        10s));
  BOOST_TEST((db_value("SELECT type FROM analytics_events WHERE id = $1::bigint", {std::to_string(*id)}) ==
              std::optional<std::string>{"product_view"}));
  BOOST_TEST(db_int("SELECT user_id FROM analytics_events WHERE id = $1::bigint", {std::to_string(*id)}) == user.id);
  BOOST_TEST((db_value("SELECT data->'nested'->'list'->>1 FROM analytics_events WHERE id = $1::bigint",
                       {std::to_string(*id)}) == std::optional<std::string>{"two"}));
  BOOST_TEST((db_value("SELECT data->>'product_id' FROM analytics_events WHERE id = $1::bigint",
                       {std::to_string(*id)}) == std::optional<std::string>{"sku-42"}));
  BOOST_TEST(poll_until([&] { return db_int("SELECT count(*) FROM analytics_events WHERE id = $1::bigint",
                                            {std::to_string(anonymous)}) == 1; },
                        10s));
  BOOST_TEST(!db_value("SELECT user_id FROM analytics_events WHERE id = $1::bigint", {std::to_string(anonymous)}));
  // A type nobody listed, well formed: accepted (API.md: any type matching the pattern).
  track_ok(c, json_object{{"type", "newsletter_signup_2"}});
}

BOOST_AUTO_TEST_CASE(invalid_token_is_401_even_on_track) {
  client c{shared_server().base_url()};
  CHECK_ERROR(c.post("/api/analytics/track/", json_object{{"type", "page_view"}}, "not-a-token"), 401, "invalid_token");
}

BOOST_AUTO_TEST_CASE(bad_events_are_400_naming_the_field) {
  client c{shared_server().base_url()};
  auto post = [&](const std::string& body) { return c.post("/api/analytics/track/", body); };
  CHECK_FIELD_ERROR(post("{}"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":null})"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":42})"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":""})"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":"Page_View"})"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":"page-view"})"), "type");
  CHECK_FIELD_ERROR(post(R"({"type":"page view"})"), "type");
  CHECK_FIELD_ERROR(post(json_object{{"type", std::string(65, 'a')}}), "type");
  track_ok(c, json_object{{"type", std::string(64, 'a')}});
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","amount":"12.345"})"), "amount");
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","amount":"abc"})"), "amount");
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","amount":-5})"), "amount");
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","amount":true})"), "amount");
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","value":1.001})"), "value");
  CHECK_FIELD_ERROR(post(R"({"type":"purchase","revenue":[1]})"), "revenue");
  CHECK_FIELD_ERROR(post(R"({"type":"add_to_cart","quantity":"2"})"), "quantity");
  CHECK_FIELD_ERROR(post(R"({"type":"add_to_cart","quantity":1.5})"), "quantity");
  CHECK_FIELD_ERROR(post(R"({"type":"add_to_cart","quantity":0})"), "quantity");
  CHECK_FIELD_ERROR(post(R"({"type":"page_view","page":"a\u0000b"})"), "page");
  CHECK_ERROR(post(R"({"type":"page_view")"), 400, "invalid_json");
  CHECK_ERROR(post(R"(["page_view"])"), 400, "invalid_json");
  // Nesting is bounded as everywhere: deeper than 64 levels is a 400, and the server stays up.
  std::string deep = R"({"type":"page_view","x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  CHECK_STATUS(post(deep), 400);
  // Money as a decimal string with two decimals, and a JSON integer quantity, are fine.
  track_ok(c, json_object{{"type", "purchase"}, {"amount", "19.99"}, {"quantity", 3}});
  // product_id and order_id are free text (they need not exist).
  track_ok(c, json_object{{"type", "add_to_cart"}, {"product_id", 999999999}, {"order_id", "nope"}});
}

BOOST_AUTO_TEST_CASE(an_event_over_16_kib_is_413) {
  client c{shared_server().base_url()};
  std::string head = R"({"type":"page_view","pad":")", tail = "\"}";
  auto body_of = [&](size_t total) { return head + std::string(total - head.size() - tail.size(), 'x') + tail; };
  auto exact = body_of(16 * 1024);
  BOOST_TEST_REQUIRE(exact.size() == 16384u);
  track_ok(c, json_raw(exact));
  CHECK_ERROR(c.post("/api/analytics/track/", body_of(16 * 1024 + 1)), 413, "payload_too_large");
  CHECK_ERROR(c.post("/api/analytics/track/", body_of(200 * 1024)), 413, "payload_too_large");
  CHECK_STATUS(c.get("/health/"), 200);
}

BOOST_AUTO_TEST_CASE(stats_are_staff_only) {
  client c{shared_server().base_url()};
  CHECK_ERROR(c.get("/api/analytics/stats/"), 401, "not_authenticated");
  auto user = new_account(c, "analytics");
  CHECK_ERROR(c.get("/api/analytics/stats/", user.access), 403, "permission_denied");
  // Staff checks come before the query's validation.
  CHECK_ERROR(c.get("/api/analytics/stats/?from=garbage", user.access), 403, "permission_denied");
  CHECK_ERROR(c.get("/api/analytics/stats/", "bad-token"), 401, "invalid_token");
  CHECK_ERROR(c.post("/api/analytics/stats/", "{}", staff_account(c).access), 405, "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(stats_shape_funnel_and_revenue) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto from = boundary();
  for (int i = 0; i < 4; ++i)
    track_ok(c, json_object{{"type", "page_view"}, {"page", "/p/" + std::to_string(i)}});
  track_ok(c, json_object{{"type", "add_to_cart"}, {"quantity", 1}});
  track_ok(c, json_object{{"type", "add_to_cart"}, {"quantity", 2}});
  track_ok(c, json_object{{"type", "purchase"}, {"amount", "150.10"}});
  track_ok(c, json_object{{"type", "purchase"}, {"amount", 49.95}});
  track_ok(c, json_object{{"type", "purchase"}});  // no amount: a purchase, no revenue
  track_ok(c, json_object{{"type", "search"}, {"query", "mug"}});
  auto r = stats(c, staff.access, "?from=" + url_encode(from));
  REQUIRE_STATUS(r, 200);
  BOOST_TEST((int_of(r.json, "page_views") == std::optional<int64_t>{4}), r.describe());
  BOOST_TEST((int_of(r.json, "add_to_cart") == std::optional<int64_t>{2}), r.describe());
  BOOST_TEST((int_of(r.json, "purchases") == std::optional<int64_t>{3}), r.describe());
  BOOST_TEST((int_of(r.json, "total_events") == std::optional<int64_t>{10}), r.describe());
  BOOST_TEST(same_money(number_of(r.json, "revenue"), 200.05), r.describe());
  BOOST_TEST(r.body.find("\"revenue\":200.05") != std::string::npos, r.describe());
  BOOST_TEST(std::fabs(number_of(r.json, "conversion_rate") - 0.75) < 1e-9, r.describe());
  BOOST_TEST_REQUIRE((r.json.HasMember("funnel") && r.json["funnel"].IsArray() && r.json["funnel"].Size() == 3u),
                     r.describe());
  const auto& f = r.json["funnel"];
  BOOST_TEST(string_of(f[0], "step") == "page_view");
  BOOST_TEST(string_of(f[1], "step") == "add_to_cart");
  BOOST_TEST(string_of(f[2], "step") == "purchase");
  BOOST_TEST((int_of(f[0], "count") == std::optional<int64_t>{4}));
  BOOST_TEST((int_of(f[1], "count") == std::optional<int64_t>{2}));
  BOOST_TEST((int_of(f[2], "count") == std::optional<int64_t>{3}));
  BOOST_TEST(number_of(f[0], "rate") == 1.0, r.describe());
  BOOST_TEST(std::fabs(number_of(f[1], "rate") - 0.5) < 1e-9, r.describe());
  BOOST_TEST(std::fabs(number_of(f[2], "rate") - 1.5) < 1e-9, r.describe());
  // An empty window: zeros, and no division by zero.
  auto empty = stats(c, staff.access, "?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z");
  REQUIRE_STATUS(empty, 200);
  for (const char* k : {"page_views", "add_to_cart", "purchases", "total_events"})
    BOOST_TEST((int_of(empty.json, k) == std::optional<int64_t>{0}), k << ": " << empty.describe());
  BOOST_TEST(number_of(empty.json, "conversion_rate") == 0.0, empty.describe());
  BOOST_TEST(empty.body.find("\"revenue\":0.00") != std::string::npos, empty.describe());
  BOOST_TEST(number_of(empty.json["funnel"][1], "rate") == 0.0, empty.describe());
  // Without a window: all time, at least what this test tracked.
  auto all = stats(c, staff.access);
  REQUIRE_STATUS(all, 200);
  BOOST_TEST(int_of(all.json, "total_events").value_or(0) >= 10, all.describe());
}

BOOST_AUTO_TEST_CASE(stats_window_filters_by_time) {
  client c{shared_server().base_url()};
  auto staff = staff_account(c);
  auto t0 = boundary();
  track_ok(c, json_object{{"type", "page_view"}});
  track_ok(c, json_object{{"type", "page_view"}});
  auto t1 = boundary();
  track_ok(c, json_object{{"type", "page_view"}});
  track_ok(c, json_object{{"type", "purchase"}, {"amount", 10}});
  auto t2 = boundary();
  auto before = stats(c, staff.access, "?from=" + url_encode(t0) + "&to=" + url_encode(t1));
  REQUIRE_STATUS(before, 200);
  BOOST_TEST((int_of(before.json, "page_views") == std::optional<int64_t>{2}), before.describe());
  BOOST_TEST((int_of(before.json, "purchases") == std::optional<int64_t>{0}), before.describe());
  auto after = stats(c, staff.access, "?from=" + url_encode(t1) + "&to=" + url_encode(t2));
  REQUIRE_STATUS(after, 200);
  BOOST_TEST((int_of(after.json, "page_views") == std::optional<int64_t>{1}), after.describe());
  BOOST_TEST((int_of(after.json, "purchases") == std::optional<int64_t>{1}), after.describe());
  BOOST_TEST(same_money(number_of(after.json, "revenue"), 10.0), after.describe());
  BOOST_TEST(number_of(after.json, "conversion_rate") == 1.0, after.describe());
  // From alone: everything since t0.
  auto both = stats(c, staff.access, "?from=" + url_encode(t0));
  REQUIRE_STATUS(both, 200);
  BOOST_TEST((int_of(both.json, "total_events") == std::optional<int64_t>{4}), both.describe());
  auto date_only = stats(c, staff.access, "?to=2001-01-01");
  REQUIRE_STATUS(date_only, 200);
  BOOST_TEST((int_of(date_only.json, "total_events") == std::optional<int64_t>{0}), date_only.describe());
  auto shifted = stats(c, staff.access, "?from=" + url_encode("2000-01-01T03:00:00+03:00") + "&to=" +
                                          url_encode("2000-01-01T00:00:01Z"));
  // An offset is honoured: 03:00+03:00 is midnight UTC, before the end (were it read as 03:00 UTC,
  // the window would be inverted: 400).
  REQUIRE_STATUS(shifted, 200);
  // Bad values: 400 naming the parameter.
  CHECK_FIELD_ERROR(stats(c, staff.access, "?from=yesterday"), "from");
  CHECK_FIELD_ERROR(stats(c, staff.access, "?to=2024-13-01T00:00:00Z"), "to");
  CHECK_FIELD_ERROR(stats(c, staff.access, "?to=2024-02-30"), "to");
  CHECK_FIELD_ERROR(stats(c, staff.access, "?from=2024-05-01T25:00:00Z"), "from");
  CHECK_FIELD_ERROR(stats(c, staff.access, "?from=2024-05-01T12:00:00Zjunk"), "from");
  CHECK_FIELD_ERROR(stats(c, staff.access, "?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z"), "to");
}

// No event answered 200 is lost on a clean stop: the writer holds them (flush every minute, large
// batches), SIGTERM comes at once, and the process writes them all before it exits.
BOOST_AUTO_TEST_CASE(clean_shutdown_writes_every_tracked_event) {
  server_process::options o;
  o.env["ANALYTICS_FLUSH_MS"] = "60000";
  o.env["ANALYTICS_BATCH_EVENTS"] = "10000";
  std::vector<int64_t> ids;
  std::string from;
  {
    server_process s{o};
    client c{s.base_url()};
    from = boundary();
    for (int i = 0; i < 300; ++i)
      ids.push_back(track_ok(c, json_object{{"type", i % 3 == 0 ? "add_to_cart" : "page_view"}, {"n", i}}));
    std::string list = "{";
    for (size_t i = 0; i < ids.size(); ++i)
      list += (i ? "," : "") + std::to_string(ids[i]);
    list += "}";
    // Still in the writer's buffer: nothing flushed yet (else this test would prove nothing).
    BOOST_TEST(db_int("SELECT count(*) FROM analytics_events WHERE id = ANY($1::bigint[])", {list}) == 0);
    s.signal(SIGTERM);
    BOOST_TEST_REQUIRE(s.wait_exit(20s), "did not exit after SIGTERM; log:\n" << s.log_tail(30));
    BOOST_TEST((s.exit_code() == std::optional<int>{0}), s.exit_description() << "\n" << s.log_tail(30));
    BOOST_TEST(db_int("SELECT count(*) FROM analytics_events WHERE id = ANY($1::bigint[])", {list}) == 300);
  }
  // A restarted server counts them.
  server_process again{server_process::options{}};
  client c{again.base_url()};
  auto staff = staff_account(c);
  auto r = stats(c, staff.access, "?from=" + url_encode(from));
  REQUIRE_STATUS(r, 200);
  BOOST_TEST((int_of(r.json, "total_events") == std::optional<int64_t>{300}), r.describe());
  BOOST_TEST((int_of(r.json, "add_to_cart") == std::optional<int64_t>{100}), r.describe());
  BOOST_TEST((int_of(r.json, "page_views") == std::optional<int64_t>{200}), r.describe());
}

// A full buffer answers 503 with Retry-After, never unbounded memory.
BOOST_AUTO_TEST_CASE(full_buffer_is_503_with_retry_after) {
  server_process::options o;
  o.env["ANALYTICS_FLUSH_MS"] = "60000";
  o.env["ANALYTICS_BATCH_EVENTS"] = "10000";
  o.env["ANALYTICS_BUFFER_EVENTS"] = "5";
  server_process s{o};
  client c{s.base_url()};
  for (int i = 0; i < 5; ++i)
    track_ok(c, json_object{{"type", "page_view"}});
  auto r = c.post("/api/analytics/track/", json_object{{"type", "page_view"}});
  CHECK_ERROR(r, 503, "service_unavailable");
  BOOST_TEST(!r.header("Retry-After").empty(), r.describe());
  // Reading the statistics flushes the buffer, after which events are taken again.
  auto staff = staff_account(c);
  REQUIRE_STATUS(stats(c, staff.access), 200);
  track_ok(c, json_object{{"type", "page_view"}});
  stop_cleanly(s, "the small-buffer server");
}

BOOST_AUTO_TEST_SUITE_END()
