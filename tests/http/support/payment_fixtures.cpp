#include "tests/http/support/payment_fixtures.hpp"

#include "tests/http/support/db.hpp"
#include "tests/http/support/gateway_world.hpp"
#include "tests/http/support/json_body.hpp"

#include <boost/test/unit_test.hpp>

namespace http_test {

std::string doc_create_expectation(int status, const std::string& body, int delay_ms) {
  answer_options options;
  options.json_content_type = true;
  options.delay_ms = delay_ms;
  return mock_answer("POST", "/api/v1/payments", status, body, options);
}

std::string doc_status_expectation(const std::string& body) {
  return mock_answer("GET", "/api/v1/payments/.+", 200, body);
}

std::string confirmation_email_of(int64_t order_id) {
  return json_object{{"method", "POST"},
                     {"path", "/api/v1/emails/send"},
                     {"body", json_object{{"template", "order_confirmation"}, {"order_id", order_id}}}};
}

std::string email_of(const std::string& to, const std::string& template_name, int64_t order_id) {
  return json_object{{"method", "POST"},
                     {"path", "/api/v1/emails/send"},
                     {"body", json_object{{"to", to}, {"template", template_name}, {"order_id", order_id}}}};
}

void check_seen(gateway_mock& mock, const std::string& http_request, int n, const std::string& context) {
  auto r = mock.verify_times(http_request, n, n);
  BOOST_TEST(r.status == 202, context << ": expected exactly " << n << " × " << http_request << " at the mock: "
                                      << r.describe());
}

std::string payment_rows(int64_t order_id) {
  return db_value("SELECT COALESCE(string_agg(status, ',' ORDER BY id), '') FROM payments WHERE order_id = $1::bigint",
                  {std::to_string(order_id)})
    .value_or("");
}

std::string order_row(int64_t order_id) {
  return db_value("SELECT status || '/' || payment_status || '/' || payment_processed::text FROM orders "
                  "WHERE id = $1::bigint",
                  {std::to_string(order_id)})
    .value_or("<no order>");
}

std::string order_state(int64_t order_id) {
  return db_value("SELECT status || '/' || payment_status FROM orders WHERE id = $1::bigint",
                  {std::to_string(order_id)})
    .value_or("<no order>");
}

payment_suite_env::payment_suite_env(const std::string& owner_tag, const std::string& stranger_tag,
                                     const std::string& product_name, const env_overrides& settings)
  : server(gateway_server("PAYMENT", pay.base_url(), mail.base_url(), settings)) {
  client c{server.base_url()};
  owner = new_account(c, owner_tag);
  stranger = new_account(c, stranger_tag);
  staff = staff_account(c);
  product = create_product(c, staff.access, unique_tag(product_name), "123.45", 100000);
}

void payment_suite_env::reset_mocks() {
  pay.reset();
  mail.reset();
  mail.expect(email_queued_expectation());
}

}  // namespace http_test
