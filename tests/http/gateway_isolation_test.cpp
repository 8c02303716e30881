// The integration actors are bulkheads (ARCHITECTURE.md "Integration actors"): each gateway
// kind has its own workers, so with GATEWAY_WORKERS=1 a carrier that hangs for seconds holds
// only the shipping worker, and a payment made meanwhile is answered before the booking is.
// The test checks the order of events, not times: with one shared pool the payment would
// queue behind the booking and could only finish after it.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(gateway_isolation)

BOOST_AUTO_TEST_CASE(a_hanging_carrier_does_not_hold_up_payments) {
  gateway_mock pay;
  gateway_mock ship;
  gateway_mock mail;
  pay.expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},"httpResponse":{"statusCode":201,"body":{"id":"pay_iso","status":"succeeded"}}})");
  ship.expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/shipping/orders"},"httpResponse":{"statusCode":201,"body":{"id":"ship_iso","tracking_number":"T1","status":"created"},"delay":{"timeUnit":"MILLISECONDS","value":4000}}})");
  mail.expect(email_queued_expectation());
  server_process::options o;
  o.env = {{"PAYMENT_SERVICE_URL", pay.base_url()},
           {"SHIPPING_SERVICE_URL", ship.base_url()},
           {"EMAIL_SERVICE_URL", mail.base_url()},
           {"PAYMENT_MOCK_URL", std::nullopt},
           {"SHIPPING_MOCK_URL", std::nullopt},
           {"EMAIL_MOCK_URL", std::nullopt},
           {"GATEWAY_WORKERS", std::string{"1"}},
           {"GATEWAY_TIMEOUT_MS", std::string{"8000"}}};
  server_process server{o};
  client c{server.base_url()};
  auto owner = new_account(c, "isolated");
  auto staff = staff_account(c);
  auto product = create_product(c, staff.access, unique_tag("Isolated "), "10.00", 1000);
  auto order_of = [&] {
    auto r = c.post("/api/orders/", order_body({{product, 1}}), owner.access);
    BOOST_TEST_REQUIRE(r.status == 201, r.describe());
    return int_of(r.json, "id").value_or(0);
  };
  int64_t shipped = order_of();
  int64_t paid = order_of();

  std::atomic<bool> booking_answered{false};
  int booking_status = 0;
  std::thread booking([&] {
    client own{server.base_url()};
    auto r = own.post("/api/shipping/create/",
                      json_object{{"order_id", shipped},
                                  {"recipient", json_object{{"name", "Ivan"},
                                                            {"phone", "+79001234567"},
                                                            {"address", json_object{{"city", "Moscow"},
                                                                                    {"postal_code", "101000"}}}}}},
                      owner.access);
    booking_status = r.status;
    booking_answered = true;
  });
  // The booking is at the carrier (and holds the only shipping worker) once the mock saw it.
  bool at_carrier = poll_until([&] { return ship.recorded_requests(R"({"path":"/api/v1/shipping/orders"})").Size() == 1u; }, 3s);
  auto payment = c.post("/api/payments/process/",
                        process_body(paid, "tok_visa"), owner.access);
  bool booking_still_waiting = !booking_answered;
  booking.join();

  BOOST_TEST(at_carrier, "the booking never reached the carrier");
  CHECK_STATUS(payment, 200);
  BOOST_TEST(string_of(payment.json, "status") == "succeeded", payment.body);
  BOOST_TEST(booking_still_waiting, "the payment was answered only after the hanging booking");
  BOOST_TEST(booking_status == 201, "the booking itself ends well: " << booking_status);
}

BOOST_AUTO_TEST_SUITE_END()
