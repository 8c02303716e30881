// Notification providers (GATEWAYS.md §2.3, API.md §3.7): servers with EMAIL_PROVIDER=sendgrid
// and =mailgun, and with SMS_PROVIDER=twilio and =sms_ru, each against its own commerce-mock.
// A successful payment sends order_confirmation and a refund order_refunded, by e-mail and, as
// the owner gave a phone, by SMS. The tests check the exact outbound requests (method, path,
// auth, content type, body fields), that the provider's answers map to the notification's
// recorded status (sent or failed, never failing the payment), and that the secret never
// reaches the server log or gateway_calls. Payments go through the generic provider.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const mail_from = "orders@shop.test";
const char* const owner_phone = "+79001234567";

const char* const sendgrid_key = "SG.np-test-key.Xy9Qw";
const char* const mailgun_domain = "mg.shop.test";
const char* const mailgun_key = "key-mg-3f9a7c";
const char* const mailgun_basic = "Basic YXBpOmtleS1tZy0zZjlhN2M=";  // base64("api:key-mg-3f9a7c")
const char* const twilio_sid = "AC0123456789abcdef0123456789abcdef";
const char* const twilio_token = "tw_auth_token_5Kd";
// base64("AC0123456789abcdef0123456789abcdef:tw_auth_token_5Kd")
const char* const twilio_basic = "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0d19hdXRoX3Rva2VuXzVLZA==";
const char* const twilio_from = "+15005550006";
const char* const smsru_api_id = "5E1B6C2A-SMSRU-API-ID-0F3D";
const char* const smsru_sender = "SHOPTEST";

/// An expectation answering `method path` with `status`, `content_type` (none when empty) and
/// `body` as written.
std::string answer(const std::string& method, const std::string& path, int status, const std::string& body = "",
                   const std::string& content_type = "application/json") {
  json_object response{{"statusCode", status}};
  if (!content_type.empty())
    response.add("headers", json_object{{"Content-Type", json_array{content_type}}});
  if (!body.empty())
    response.add("body", body);
  return json_object{{"httpRequest", json_object{{"method", method}, {"path", path}}}, {"httpResponse", response}};
}


std::string request_matcher(const std::string& method, const std::string& path) {
  return json_object{{"method", method}, {"path", path}};
}

/// Builds a provider's settings from the e-mail and SMS mocks' base URLs.
using provider_settings = std::function<env_overrides(const std::string& mail_url, const std::string& sms_url)>;

/// A server paying through the generic provider (always succeeding) and notifying through the
/// providers `settings` names; the owner has a phone.
struct notification_world {
  gateway_mock pay;
  gateway_mock mail;
  gateway_mock sms;
  std::unique_ptr<server_process> server;
  std::unique_ptr<client> c;
  account owner;
  int64_t product = 0;

  explicit notification_world(const provider_settings& settings) {
    pay.expect(json_expectation("POST", "/api/v1/payments", 201, R"({"id":"pay_np_1","status":"succeeded"})"));
    pay.expect(json_expectation("POST", "/api/v1/refunds", 201, R"({"id":"refund_np_1","status":"succeeded"})"));
    server_process::options o;
    o.env = {{"PAYMENT_SERVICE_URL", pay.base_url()},
             {"PAYMENT_MOCK_URL", std::nullopt},
             {"EMAIL_MOCK_URL", std::nullopt},
             {"EMAIL_FROM", std::string{mail_from}},
             {"GATEWAY_TIMEOUT_MS", std::string{"2000"}}};
    for (auto& [k, v] : settings(mail.base_url(), sms.base_url()))
      o.env[k] = v;
    server = std::make_unique<server_process>(o);
    c = std::make_unique<client>(server->base_url());
    owner = new_account(*c, "notified", json_object{{"phone", owner_phone}});
    auto staff = staff_account(*c);
    product = create_product(*c, staff.access, unique_tag("Notified "), "10.00", 100000);
  }

  /// A new order of the owner's (or `buyer`'s), paid (200 succeeded required).
  int64_t paid_order(const account* buyer = nullptr) {
    const auto& who = buyer ? *buyer : owner;
    auto r = c->post("/api/orders/", order_body({{product, 1}}), who.access);
    REQUIRE_STATUS(r, 201);
    auto id = int_of(r.json, "id").value_or(0);
    auto p = c->post("/api/payments/process/", process_body(id, "tok_np"), who.access);
    REQUIRE_STATUS(p, 200);
    BOOST_TEST_REQUIRE(string_of(p.json, "status") == "succeeded", p.body);
    return id;
  }

  void refund(int64_t order_id) {
    auto r = c->post("/api/payments/refund/", refund_body(order_id), owner.access);
    REQUIRE_STATUS(r, 201);
  }

  /// The order's notifications once there are `n` of them (5 s at most).
  response notifications(int64_t order_id, size_t n) {
    auto r = notifications_of(*c, order_id, owner.access, n);
    BOOST_TEST_REQUIRE((r.status == 200 && r.json.IsArray()), r.describe());
    BOOST_TEST_REQUIRE(r.json.Size() == n, "expected " << n << " notifications within 5 s: " << r.body
                                                       << "\nserver log:\n" << server->log_tail(20));
    return r;
  }
};

/// Exactly one notification of `type` and `notification_type` in `list`, from `provider` to
/// `recipient`, with `status`.
void check_notification(const response& list, int64_t order_id, const std::string& type, const std::string& provider,
                        const std::string& notification_type, const std::string& status, const std::string& recipient) {
  int found = 0;
  for (const auto& n : list.json.GetArray()) {
    if (string_of(n, "type") != type || string_of(n, "notification_type") != notification_type)
      continue;
    ++found;
    BOOST_TEST(string_of(n, "provider") == provider, list.body);
    BOOST_TEST(string_of(n, "status") == status, type << " " << notification_type << ": " << list.body);
    BOOST_TEST(string_of(n, "recipient") == recipient, list.body);
    BOOST_TEST(int_of(n, "order_id") == std::optional<int64_t>{order_id}, list.body);
  }
  BOOST_TEST(found == 1, "expected one " << type << " " << notification_type << " notification: " << list.body);
}

std::string confirmed_subject(int64_t id) { return "Order #" + std::to_string(id) + " is confirmed"; }
std::string refunded_subject(int64_t id) { return "Order #" + std::to_string(id) + " has been refunded"; }
std::string confirmed_text(int64_t id) { return "Thank you! Your order #" + std::to_string(id) + " is paid and confirmed."; }
std::string refunded_text(int64_t id) { return "Your order #" + std::to_string(id) + " has been refunded."; }

/// The subject of one recorded provider request: SendGrid's JSON "subject", Mailgun's form
/// "subject", Twilio's form "Body", SMS.ru's form "msg" ("" when none).
std::string subject_of(const rapidjson::Value& recorded) {
  auto body = mock_request_body(recorded);
  if (body.IsObject())
    return string_of(body, "subject");
  auto form = form_fields(mock_request_text(recorded));
  for (const char* key : {"subject", "Body", "msg"})
    if (form.count(key))
      return form[key];
  return "";
}

/// The requests at `mock` (matching `matcher`) about order `id`: its confirmation or refund, by
/// subject. The mock also gets e-mails that are not this order's (the server delivers every
/// verification e-mail of the shared outbox through the same provider), which never count.
rapidjson::Document order_requests(gateway_mock& mock, int64_t id, const std::string& matcher = "") {
  auto all = mock.recorded_requests(matcher);
  rapidjson::Document out;
  out.SetArray();
  for (const auto& req : all.GetArray()) {
    auto subject = subject_of(req);
    if (subject != confirmed_subject(id) && subject != refunded_subject(id))
      continue;
    rapidjson::Value copy;
    copy.CopyFrom(req, out.GetAllocator());
    out.PushBack(copy, out.GetAllocator());
  }
  return out;
}

/// One failure answer of a provider and what it stands for, for messages.
struct failure_answer {
  std::string expectation;
  const char* what;
};

/// For each answer: a fresh paid order (the payment succeeds regardless), its notification of
/// `type` recorded as failed, and exactly one request at `matcher` (so the failure is the
/// answer's, not a wrong path's).
void check_failures(notification_world& w, gateway_mock& provider_mock, const std::string& matcher,
                    const std::vector<failure_answer>& answers, const std::string& type, const std::string& provider,
                    const std::string& recipient, size_t notifications_per_order) {
  for (const auto& a : answers) {
    BOOST_TEST_CONTEXT(a.what) {
      provider_mock.reset();
      provider_mock.expect(a.expectation);
      int64_t id = w.paid_order();
      auto list = w.notifications(id, notifications_per_order);
      check_notification(list, id, type, provider, "order_confirmation", "failed", recipient);
      BOOST_TEST(order_requests(provider_mock, id, matcher).Size() == 1u);
      BOOST_TEST(order_requests(provider_mock, id).Size() == 1u, "requests about the order elsewhere at the provider's mock");
    }
  }
}

/// A JSON body's member `key` as an array's first element (or null).
const rapidjson::Value& first_of(const rapidjson::Value& v, const char* key) {
  static const rapidjson::Value null;
  if (!v.IsObject() || !v.HasMember(key) || !v[key].IsArray() || v[key].Empty())
    return null;
  return v[key][0];
}

const rapidjson::Value& member_of(const rapidjson::Value& v, const char* key) {
  static const rapidjson::Value null;
  return v.IsObject() && v.HasMember(key) ? v[key] : null;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(notification_providers)

BOOST_AUTO_TEST_CASE(sendgrid_requests_and_statuses) {
  notification_world w{[](const std::string& mail, const std::string&) {
    return env_overrides{{"EMAIL_PROVIDER", std::string{"sendgrid"}},
                         {"EMAIL_SERVICE_URL", mail + "/v3"},
                         {"EMAIL_SECRET", std::string{sendgrid_key}}};
  }};
  const auto mail_send = request_matcher("POST", "/v3/mail/send");
  // 202 Accepted, an empty body and the message id in a header.
  const auto accepted = R"({"httpRequest":{"method":"POST","path":"/v3/mail/send"},)"
                        R"("httpResponse":{"statusCode":202,"headers":{"X-Message-Id":["14c5d75ce93"]}}})";
  w.mail.expect(accepted);
  int64_t id = w.paid_order();
  check_notification(w.notifications(id, 1), id, "email", "sendgrid", "order_confirmation", "sent", w.owner.email);
  w.refund(id);
  check_notification(w.notifications(id, 2), id, "email", "sendgrid", "order_refunded", "sent", w.owner.email);

  auto sent = order_requests(w.mail, id, mail_send);
  BOOST_TEST_REQUIRE(sent.Size() == 2u);
  BOOST_TEST(order_requests(w.mail, id).Size() == 2u, "requests about the order elsewhere at the SendGrid mock");
  const std::pair<std::string, std::string> expected[] = {{confirmed_subject(id), confirmed_text(id)},
                                                          {refunded_subject(id), refunded_text(id)}};
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& req = sent[i];
    const auto text = mock_request_text(req);
    BOOST_TEST(mock_first_header(req, "Authorization") == std::string{"Bearer "} + sendgrid_key);
    BOOST_TEST(mock_first_header(req, "Content-Type").find("application/json") == 0u, mock_first_header(req, "Content-Type"));
    auto body = mock_request_body(req);
    BOOST_TEST_REQUIRE(body.IsObject(), "SendGrid body is not JSON: " << text);
    const auto& personalization = first_of(body, "personalizations");
    BOOST_TEST(string_of(first_of(personalization, "to"), "email") == w.owner.email, text);
    BOOST_TEST(string_of(member_of(body, "from"), "email") == mail_from, text);
    BOOST_TEST(string_of(body, "subject") == expected[i].first, text);
    BOOST_TEST(string_of(first_of(body, "content"), "type") == "text/plain", text);
    BOOST_TEST(string_of(first_of(body, "content"), "value") == expected[i].second, text);
  }

  check_failures(w, w.mail, mail_send,
                 {{answer("POST", "/v3/mail/send", 400,
                          R"({"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from","help":null}]})"),
                   "400 with errors"},
                  {answer("POST", "/v3/mail/send", 401, R"({"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null,"help":null}]})"),
                   "401"},
                  {answer("POST", "/v3/mail/send", 500, "", ""), "500"}},
                 "email", "sendgrid", w.owner.email, 1);
  check_secret_hidden(*w.server, sendgrid_key);
}

BOOST_AUTO_TEST_CASE(mailgun_requests_and_statuses) {
  notification_world w{[](const std::string& mail, const std::string&) {
    return env_overrides{{"EMAIL_PROVIDER", std::string{"mailgun"}},
                         {"EMAIL_SERVICE_URL", mail + "/v3"},
                         {"EMAIL_ACCOUNT_ID", std::string{mailgun_domain}},
                         {"EMAIL_SECRET", std::string{mailgun_key}}};
  }};
  const std::string path = std::string{"/v3/"} + mailgun_domain + "/messages";
  const auto messages = request_matcher("POST", path);
  w.mail.expect(answer("POST", path, 200, R"({"id":"<20240501123456.1.ABC@mg.shop.test>","message":"Queued. Thank you."})"));
  int64_t id = w.paid_order();
  check_notification(w.notifications(id, 1), id, "email", "mailgun", "order_confirmation", "sent", w.owner.email);
  w.refund(id);
  check_notification(w.notifications(id, 2), id, "email", "mailgun", "order_refunded", "sent", w.owner.email);

  auto sent = order_requests(w.mail, id, messages);
  BOOST_TEST_REQUIRE(sent.Size() == 2u);
  BOOST_TEST(order_requests(w.mail, id).Size() == 2u, "requests about the order elsewhere at the Mailgun mock");
  const std::pair<std::string, std::string> expected[] = {{confirmed_subject(id), confirmed_text(id)},
                                                          {refunded_subject(id), refunded_text(id)}};
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& req = sent[i];
    const auto text = mock_request_text(req);
    BOOST_TEST(mock_first_header(req, "Authorization") == mailgun_basic);
    BOOST_TEST(mock_first_header(req, "Content-Type").find("application/x-www-form-urlencoded") == 0u,
               mock_first_header(req, "Content-Type"));
    auto form = form_fields(text);
    BOOST_TEST(form["from"] == mail_from, text);
    BOOST_TEST(form["to"] == w.owner.email, text);
    BOOST_TEST(form["subject"] == expected[i].first, text);
    BOOST_TEST(form["text"] == expected[i].second, text);
  }

  check_failures(w, w.mail, messages,
                 {{answer("POST", path, 401, "Forbidden", "text/plain"), "401 Forbidden"},
                  {answer("POST", path, 400, R"({"message":"'to' parameter is not a valid address. please check documentation"})"),
                   "400 with a message"}},
                 "email", "mailgun", w.owner.email, 1);
  check_secret_hidden(*w.server, mailgun_key);
}

BOOST_AUTO_TEST_CASE(twilio_requests_and_statuses) {
  notification_world w{[](const std::string& mail, const std::string& sms) {
    return env_overrides{{"EMAIL_SERVICE_URL", mail},
                         {"SMS_PROVIDER", std::string{"twilio"}},
                         {"SMS_SERVICE_URL", sms + "/2010-04-01"},
                         {"SMS_ACCOUNT_ID", std::string{twilio_sid}},
                         {"SMS_SECRET", std::string{twilio_token}},
                         {"SMS_SENDER", std::string{twilio_from}}};
  }};
  w.mail.expect(email_queued_expectation());
  const std::string path = std::string{"/2010-04-01/Accounts/"} + twilio_sid + "/Messages.json";
  const auto messages = request_matcher("POST", path);
  w.sms.expect(answer("POST", path, 201,
                      R"({"sid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","status":"queued","to":"+79001234567","from":"+15005550006","error_code":null})"));
  // A buyer without a phone gets the e-mail only (checked once the flow below has run).
  auto phoneless = new_account(*w.c, "nophone");
  int64_t phoneless_order = w.paid_order(&phoneless);
  int64_t id = w.paid_order();
  auto list = w.notifications(id, 2);
  check_notification(list, id, "sms", "twilio", "order_confirmation", "sent", owner_phone);
  check_notification(list, id, "email", "generic", "order_confirmation", "sent", w.owner.email);
  w.refund(id);
  check_notification(w.notifications(id, 4), id, "sms", "twilio", "order_refunded", "sent", owner_phone);

  auto sent = w.sms.recorded_requests(messages);
  BOOST_TEST_REQUIRE(sent.Size() == 2u);
  BOOST_TEST(w.sms.recorded_requests().Size() == 2u, "requests elsewhere at the Twilio mock, or an SMS to no phone");
  auto phoneless_list = notifications_of(*w.c, phoneless_order, phoneless.access, 1);
  BOOST_TEST_REQUIRE(phoneless_list.json.IsArray(), phoneless_list.describe());
  BOOST_TEST(phoneless_list.json.Size() == 1u, phoneless_list.body);
  check_notification(phoneless_list, phoneless_order, "email", "generic", "order_confirmation", "sent", phoneless.email);
  const std::string expected[] = {confirmed_subject(id), refunded_subject(id)};
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& req = sent[i];
    const auto text = mock_request_text(req);
    BOOST_TEST(mock_first_header(req, "Authorization") == twilio_basic);
    BOOST_TEST(mock_first_header(req, "Content-Type").find("application/x-www-form-urlencoded") == 0u,
               mock_first_header(req, "Content-Type"));
    auto form = form_fields(text);
    BOOST_TEST(form["To"] == owner_phone, text);
    BOOST_TEST(form["From"] == twilio_from, text);
    BOOST_TEST(form["Body"] == expected[i], text);
  }

  check_failures(w, w.sms, messages,
                 {{answer("POST", path, 400,
                          R"({"code":21211,"message":"The 'To' number +79001234567 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400})"),
                   "400 invalid To"},
                  {answer("POST", path, 401, R"({"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401})"),
                   "401"},
                  {answer("POST", path, 201, R"({"sid":"SM2","status":"failed","error_code":30008})"), "201 with status failed"}},
                 "sms", "twilio", owner_phone, 2);
  check_secret_hidden(*w.server, twilio_token);
}

BOOST_AUTO_TEST_CASE(sms_ru_requests_and_statuses) {
  notification_world w{[](const std::string& mail, const std::string& sms) {
    return env_overrides{{"EMAIL_SERVICE_URL", mail},
                         {"SMS_PROVIDER", std::string{"sms_ru"}},
                         {"SMS_SERVICE_URL", sms},
                         {"SMS_SECRET", std::string{smsru_api_id}},
                         {"SMS_SENDER", std::string{smsru_sender}}};
  }};
  w.mail.expect(email_queued_expectation());
  const auto send = request_matcher("POST", "/sms/send");
  // HTTP 200 whatever happened; the status of the request and of each number decide.
  w.sms.expect(answer("POST", "/sms/send", 200,
                      R"({"status":"OK","status_code":100,"sms":{"79001234567":{"status":"OK","status_code":100,"sms_id":"000000-10000000"}},"balance":4122.56})"));
  int64_t id = w.paid_order();
  auto list = w.notifications(id, 2);
  check_notification(list, id, "sms", "sms_ru", "order_confirmation", "sent", owner_phone);
  check_notification(list, id, "email", "generic", "order_confirmation", "sent", w.owner.email);
  w.refund(id);
  check_notification(w.notifications(id, 4), id, "sms", "sms_ru", "order_refunded", "sent", owner_phone);

  auto sent = w.sms.recorded_requests(send);
  BOOST_TEST_REQUIRE(sent.Size() == 2u);
  BOOST_TEST(w.sms.recorded_requests().Size() == 2u, "requests elsewhere at the SMS.ru mock");
  const std::string expected[] = {confirmed_subject(id), refunded_subject(id)};
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto& req = sent[i];
    const auto text = mock_request_text(req);
    BOOST_TEST(mock_first_header(req, "Content-Type").find("application/x-www-form-urlencoded") == 0u,
               mock_first_header(req, "Content-Type"));
    auto form = form_fields(text);
    BOOST_TEST(form["api_id"] == smsru_api_id, text);
    BOOST_TEST(form["to"] == "79001234567", "SMS.ru numbers carry no '+': " << text);
    BOOST_TEST(form["msg"] == expected[i], text);
    BOOST_TEST(form["json"] == "1", text);
    BOOST_TEST(form["from"] == smsru_sender, text);
  }

  check_failures(w, w.sms, send,
                 {{answer("POST", "/sms/send", 200, R"({"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"})"),
                   "status ERROR"},
                  {answer("POST", "/sms/send", 200,
                          R"({"status":"OK","status_code":100,"sms":{"79001234567":{"status":"ERROR","status_code":207,"status_text":"На этот номер нельзя отправлять сообщения"}},"balance":4122.56})"),
                   "the number's status ERROR"},
                  {answer("POST", "/sms/send", 503, "", ""), "503"}},
                 "sms", "sms_ru", owner_phone, 2);
  check_secret_hidden(*w.server, smsru_api_id);
}

BOOST_AUTO_TEST_SUITE_END()
