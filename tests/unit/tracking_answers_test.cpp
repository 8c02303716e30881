// The carriers' tracking answers read apart from the call (integrations/provider_answers.hpp):
// generic (GATEWAYS.md §0), CDEK v2 (/orders/{uuid}: entity.statuses, newest first) and
// Boxberry (ListStatuses: [{Date, Name, Comment}]), for success, "unknown to the carrier" and
// unusable answers.
#include "integrations/provider_answers.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::integrations;

namespace {

outbound_response answer(long status, std::string body) {
  outbound_response r;
  r.status = status;
  r.body = std::move(body);
  r.request_sent = true;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracking_answers)

BOOST_AUTO_TEST_CASE(generic_reads_status_number_and_events) {
  auto r = answers::generic_tracking(answer(200, R"({"id":"ship_1","tracking_number":"TRACK9","status":"IN_TRANSIT",
    "events":[{"status":"created","time":"2026-03-01T10:00:00Z","location":"Moscow"},
              {"status":"in_transit","time":"2026-03-02T08:00:00Z"}, {"time":"no status"}, 7]})"));
  BOOST_TEST((r.outcome == gateway_outcome::succeeded));
  BOOST_TEST(r.status == "in_transit");
  BOOST_TEST(r.tracking_number == "TRACK9");
  BOOST_REQUIRE_EQUAL(r.events.size(), 2u);
  BOOST_TEST(r.events[0].location == "Moscow");
  BOOST_TEST(r.events[1].status == "in_transit");
  BOOST_TEST(r.events[1].location == "");

  BOOST_TEST((answers::generic_tracking(answer(404, "")).outcome == gateway_outcome::failed));
  BOOST_TEST((answers::generic_tracking(answer(500, "{}")).outcome == gateway_outcome::gateway_error));
  BOOST_TEST((answers::generic_tracking(answer(200, R"({"id":"x"})")).outcome == gateway_outcome::gateway_error));
  outbound_response timed_out;
  timed_out.failure = outbound_failure::timeout;
  BOOST_TEST((answers::generic_tracking(timed_out).outcome == gateway_outcome::timeout));
}

BOOST_AUTO_TEST_CASE(cdek_orders_its_statuses_oldest_first) {
  auto r = answers::cdek_tracking(answer(200, R"({"entity":{"uuid":"u-1","cdek_number":"1106207236",
    "statuses":[{"code":"DELIVERED","name":"Вручен","date_time":"2026-03-03T12:00:00+0000","city":"Тверь"},
                {"code":"ACCEPTED","name":"Принят","date_time":"2026-03-01T09:00:00+0000","city":"Москва"},
                {"code":"CREATED","name":"Создан","date_time":"2026-03-01T08:00:00+0000"}]},"requests":[]})"));
  BOOST_TEST((r.outcome == gateway_outcome::succeeded));
  BOOST_TEST(r.status == "delivered");
  BOOST_TEST(r.tracking_number == "1106207236");
  BOOST_REQUIRE_EQUAL(r.events.size(), 3u);
  BOOST_TEST(r.events[0].status == "created");
  BOOST_TEST(r.events[1].location == "Москва");
  BOOST_TEST(r.events[2].status == "delivered");

  auto refused = answers::cdek_tracking(answer(200, R"({"requests":[{"state":"INVALID","errors":[{"code":"v2_entity_not_found","message":"no order"}]}]})"));
  BOOST_TEST((refused.outcome == gateway_outcome::failed));
  BOOST_TEST(refused.detail.find("v2_entity_not_found") != std::string::npos, refused.detail);
  BOOST_TEST((answers::cdek_tracking(answer(404, "")).outcome == gateway_outcome::failed));
  BOOST_TEST((answers::cdek_tracking(answer(200, R"({"entity":{"uuid":"u-1","statuses":[]}})")).outcome ==
              gateway_outcome::gateway_error));
}

BOOST_AUTO_TEST_CASE(boxberry_reads_list_statuses) {
  auto r = answers::boxberry_tracking(answer(200, R"([{"Date":"2026-03-01T10:00:00","Name":"Принято к доставке","Comment":""},
    {"Date":"2026-03-02T10:00:00","Name":"Выдано","Comment":"Тверь"}])"));
  BOOST_TEST((r.outcome == gateway_outcome::succeeded));
  BOOST_REQUIRE_EQUAL(r.events.size(), 2u);
  BOOST_TEST(r.status == "Выдано");  // only ASCII is lowered
  BOOST_TEST(r.events[1].location == "Тверь");
  BOOST_TEST((answers::boxberry_tracking(answer(200, R"([{"err":"Посылка не найдена"}])")).outcome == gateway_outcome::failed));
  BOOST_TEST((answers::boxberry_tracking(answer(200, R"({"err":"bad token"})")).outcome == gateway_outcome::failed));
  BOOST_TEST((answers::boxberry_tracking(answer(200, "[]")).outcome == gateway_outcome::gateway_error));
  BOOST_TEST((answers::boxberry_tracking(answer(502, "")).outcome == gateway_outcome::gateway_error));
}

BOOST_AUTO_TEST_CASE(carriers_without_a_tracking_api_say_so) {
  auto client = std::make_shared<gateway_client>(client_settings{}, [](const call_record&) {});
  auto post = make_russian_post("http://127.0.0.1:9", client, {"login", "pw", "token", "101000", "", 1000});
  auto r = post->track({1, "", "RP123"});
  BOOST_TEST(r.unsupported);
}

BOOST_AUTO_TEST_SUITE_END()
