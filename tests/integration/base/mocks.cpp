#include "tests/integration/base/mocks.hpp"

#include "tests/http/support/json_body.hpp"
#include "tests/http/support/mock_control.hpp"
#include "tests/integration/base/integration_env.hpp"
#include "tests/integration/base/session.hpp"

#include <boost/test/unit_test.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace integration {

using http_test::json_array;
using http_test::json_object;
using http_test::json_raw;

mock_control::mock_control(std::string name, std::string base_url)
  : name_(std::move(name)), base_url_(std::move(base_url)) {}

std::string mock_control::expect(const std::string& expectation_json) {
  rapidjson::Document d;
  d.Parse(expectation_json.c_str(), expectation_json.size());
  if (d.HasParseError() || !d.IsObject())
    throw std::invalid_argument(name_ + ": an expectation must be one JSON object: " + expectation_json);
  std::string id;
  if (d.HasMember("id") && d["id"].IsString()) {
    id = d["id"].GetString();
  } else {
    id = "it-" + unique_tag();
    d.RemoveMember("id");
    d.AddMember("id", rapidjson::Value(id.c_str(), d.GetAllocator()), d.GetAllocator());
  }
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> w{text};
  d.Accept(w);
  http_test::client c{base_url_};
  auto r = c.put("/mockserver/expectation", text.GetString());
  if (r.status != 201)
    throw std::runtime_error(name_ + " (" + base_url_ + "): PUT /mockserver/expectation " + text.GetString() +
                             " -> " + r.describe());
  return id;
}

void mock_control::clear(const std::string& expectation_id) {
  http_test::client c{base_url_};
  auto r = c.put("/mockserver/clear?type=expectations", json_object{{"id", expectation_id}});
  if (r.status != 200)
    throw std::runtime_error(name_ + " (" + base_url_ + "): clearing expectation " + expectation_id + " -> " +
                             r.describe());
}

http_test::response mock_control::verify(const std::string& verification_json) {
  http_test::client c{base_url_};
  auto r = c.put("/mockserver/verify", verification_json);
  r.request = name_ + ": PUT /mockserver/verify " + verification_json;
  return r;
}

http_test::response mock_control::verify_times(const std::string& http_request_json, int at_least, int at_most) {
  json_object times;
  if (at_least >= 0)
    times.add("atLeast", at_least);
  if (at_most >= 0)
    times.add("atMost", at_most);
  return verify(json_object{{"httpRequest", json_raw(http_request_json)}, {"times", times}});
}

rapidjson::Document mock_control::recorded(const std::string& http_request_json) {
  http_test::client c{base_url_};
  auto r = c.put("/mockserver/retrieve?type=requests&format=json", http_request_json);
  if (r.status != 200 || !r.is_json || !r.json.IsArray())
    throw std::runtime_error(name_ + " (" + base_url_ + "): PUT /mockserver/retrieve " + http_request_json + " -> " +
                             r.describe());
  rapidjson::Document out;
  out.CopyFrom(r.json, out.GetAllocator());
  return out;
}

scoped_expectations::~scoped_expectations() {
  for (const auto& id : ids_) {
    try {
      mock_.clear(id);
    } catch (const std::exception& e) {  // a destructor must not throw; say what was left behind
      BOOST_TEST_MESSAGE("could not clear expectation " << id << ": " << e.what());
    }
  }
}

std::string scoped_expectations::add(const std::string& expectation_json) {
  auto id = mock_.expect(expectation_json);
  ids_.push_back(id);
  return id;
}

std::string request_matcher(const std::string& method, const std::string& path, const std::string& json_body_subset) {
  json_object m{{"method", method}, {"path", path}};
  if (!json_body_subset.empty())
    m.add("body", json_object{{"type", "JSON"}, {"json", json_raw(json_body_subset)}, {"matchType", "ONLY_MATCHING_FIELDS"}});
  return m;
}

std::string request_with_text(const std::string& method, const std::string& path_regex, const std::string& text) {
  return json_object{{"method", method},
                     {"path", path_regex},
                     {"body", json_object{{"type", "STRING"}, {"string", text}, {"subString", true}}}};
}

std::string answer(const std::string& matcher, int status, const std::string& json_body, int times) {
  json_object response{{"statusCode", status},
                       {"headers", json_object{{"Content-Type", json_array{"application/json"}}}},
                       {"body", json_raw(json_body)}};
  json_object e{{"priority", 10}, {"httpRequest", json_raw(matcher)}, {"httpResponse", response}};
  if (times > 0)
    e.add("times", json_object{{"remainingTimes", times}, {"unlimited", false}});
  return e;
}

// --- payment ---

payment_mock::payment_mock() : mock_control("payment mock", payment_mock_url()) {}

std::string payment_mock::expect_create_for_order(scoped_expectations& scope, int64_t order_id, int status,
                                                  const std::string& json_body) {
  return scope.add(answer(request_matcher("POST", "/api/v1/payments", json_object{{"order_id", order_id}}), status,
                          json_body));
}

http_test::response payment_mock::verify_charged(int64_t order_id, int at_least, int at_most) {
  return verify_times(request_matcher("POST", "/api/v1/payments", json_object{{"order_id", order_id}}), at_least,
                      at_most);
}

http_test::response payment_mock::verify_refund_with(const std::string& text, int at_least, int at_most) {
  return verify_times(request_with_text("POST", "/api/v1/refunds", text), at_least, at_most);
}

// --- shipping ---

shipping_mock::shipping_mock() : mock_control("shipping mock", shipping_mock_url()) {}

std::string shipping_mock::expect_shipment_for_order(scoped_expectations& scope, int64_t order_id, int status,
                                                     const std::string& json_body) {
  return scope.add(answer(request_matcher("POST", "/api/v1/shipping/orders", json_object{{"order_id", order_id}}),
                          status, json_body));
}

http_test::response shipping_mock::verify_shipment_booked(int64_t order_id, int at_least, int at_most) {
  return verify_times(request_matcher("POST", "/api/v1/shipping/orders", json_object{{"order_id", order_id}}),
                      at_least, at_most);
}

// --- e-mail ---

email_mock::email_mock() : mock_control("e-mail mock", email_mock_url()) {}

std::string email_mock::expect_send_to(scoped_expectations& scope, const std::string& to, int status) {
  return scope.add(answer(request_matcher("POST", "/api/v1/emails/send", json_object{{"to", to}}), status,
                          json_object{{"id", "email_" + unique_tag()}, {"status", "queued"}}));
}

namespace {
std::string email_matcher(const std::string& to, const std::string& template_name, int64_t order_id) {
  json_object fields{{"to", to}, {"template", template_name}};
  if (order_id > 0)
    fields.add("order_id", order_id);
  return request_matcher("POST", "/api/v1/emails/send", fields);
}
}  // namespace

http_test::response email_mock::verify_sent(const std::string& to, const std::string& template_name, int64_t order_id,
                                            int at_least, int at_most) {
  return verify_times(email_matcher(to, template_name, order_id), at_least, at_most);
}

std::vector<rapidjson::Document> email_mock::sent_bodies(const std::string& to, const std::string& template_name) {
  auto requests = recorded(email_matcher(to, template_name, 0));
  std::vector<rapidjson::Document> out;
  for (const auto& r : requests.GetArray())
    out.push_back(http_test::mock_request_body(r));
  return out;
}

// --- SMS ---

sms_mock::sms_mock() : mock_control("SMS mock", sms_mock_url()) {}

std::string sms_mock::expect_accepted(scoped_expectations& scope, const std::string& path_regex, int status,
                                      const std::string& json_body) {
  return scope.add(answer(json_object{{"method", "POST"}, {"path", path_regex}}, status, json_body));
}

http_test::response sms_mock::verify_sent_to(const std::string& phone_digits, int at_least, int at_most) {
  return verify_times(request_with_text("POST", "/.*", phone_digits), at_least, at_most);
}

// --- inventory feed ---

inventory_mock::inventory_mock() : mock_control("inventory mock", inventory_mock_url()) {}

std::string inventory_mock::expect_feed(scoped_expectations& scope,
                                        const std::vector<std::pair<std::string, int>>& items) {
  json_array list;
  for (const auto& [sku, quantity] : items)
    list.add(json_object{{"sku", sku}, {"quantity", quantity}});
  return scope.add(answer(json_object{{"method", "GET"}, {"path", "/api/v1/inventory"}}, 200,
                          json_object{{"items", list}, {"next_page", nullptr}}));
}

}  // namespace integration
