// The SMTP mailer (EMAIL_PROVIDER=smtp, integrations/email/smtp.cpp) against a real local SMTP
// server: Python's aiosmtpd with its Debugging handler, which prints every message it receives.
// After a successful payment the server mails order_confirmation to the order's owner and
// records the notification (API.md §3.7): "sent" when the SMTP server took it, "failed" when
// STARTTLS is required but not offered, or when nothing listens on the SMTP port. The payment
// itself succeeds in every case. Each case has its own SMTP server, payment mock and
// commerce-server.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const char* const mail_from = "orders@shop.test";

bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

/// `/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:<port> -c aiosmtpd.handlers.Debugging`, its
/// stdout and stderr in a temp file. Ready once the port accepts a TCP connection; the destructor
/// stops it (SIGTERM, up to 5 s, SIGKILL).
class smtp_server {
public:
  smtp_server() {
    dir_ = make_temp_dir("smtp-test");
    out_path_ = dir_ + "/aiosmtpd.out";
    std::string error;
    for (int attempt = 0; attempt < 3; ++attempt)
      if (launch(free_port(), error))
        return;
    throw std::runtime_error("aiosmtpd did not start: " + error);
  }

  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  /// Everything the server printed so far.
  std::string output() const {
    std::ifstream in{out_path_, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void stop() {
    if (process_)
      process_->stop();
  }

private:
  bool launch(int port, std::string& error) {
    auto env = inherited_environment();
    env["PYTHONUNBUFFERED"] = "1";  // the test reads the printed messages while it runs
    process_ = std::make_unique<child_process>(
      "/usr/bin/python3",
      std::vector<std::string>{"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port), "-c",
                               "aiosmtpd.handlers.Debugging"},
      env, out_path_);
    port_ = port;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->running()) {
        error = "exited early on port " + std::to_string(port) + ": " + output();
        return false;
      }
      if (port_accepts(port))
        return true;
      std::this_thread::sleep_for(50ms);
    }
    stop();
    error = "port " + std::to_string(port) + " did not accept connections within 15 s: " + output();
    return false;
  }

  std::string dir_, out_path_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

/// The payment mock: POST /api/v1/payments -> 201 succeeded.
void expect_successful_payment(gateway_mock& pay) {
  pay.expect(R"({"httpRequest":{"method":"POST","path":"/api/v1/payments"},"httpResponse":{"statusCode":201,)"
             R"("headers":{"Content-Type":["application/json"]},"body":{"id":"pay_test_123","status":"succeeded"}}})");
}

/// A commerce-server mailing through `smtp_url`, paying through `payment_url`.
server_process::options smtp_server_options(const std::string& payment_url, const std::string& smtp_url,
                                            bool require_starttls) {
  server_process::options o;
  o.env = {{"PAYMENT_SERVICE_URL", payment_url},
           {"PAYMENT_MOCK_URL", std::nullopt},
           {"EMAIL_PROVIDER", std::string{"smtp"}},
           {"EMAIL_SERVICE_URL", smtp_url},
           {"EMAIL_MOCK_URL", std::nullopt},
           {"EMAIL_FROM", std::string{mail_from}},
           {"EMAIL_REQUIRE_STARTTLS", std::string{require_starttls ? "true" : "false"}},
           {"GATEWAY_TIMEOUT_MS", std::string{"3000"}}};
  return o;
}

struct paid_order {
  account owner;
  int64_t order_id = 0;
  response notifications;  ///< the last GET /api/notifications/order/{id}/
};

/// A fresh user orders one unit of a fresh product and pays (200 required); then waits up to
/// 5 s for the order's e-mail notification to be recorded.
paid_order pay_for_new_order(server_process& server) {
  client c{server.base_url()};
  paid_order out;
  out.owner = new_account(c, "smtp");
  auto staff = staff_account(c);
  auto product = create_product(c, staff.access, unique_tag("Mailed "), "10.00", 1000);
  auto order = c.post("/api/orders/", order_body({{product, 1}}), out.owner.access);
  REQUIRE_STATUS(order, 201);
  out.order_id = int_of(order.json, "id").value_or(0);
  BOOST_TEST_REQUIRE(out.order_id > 0);
  auto pay = c.post("/api/payments/process/", process_body(out.order_id, "tok_visa_4242"), out.owner.access);
  REQUIRE_STATUS(pay, 200);
  BOOST_TEST(string_of(pay.json, "status") == "succeeded", pay.body);

  auto path = "/api/notifications/order/" + std::to_string(out.order_id) + "/";
  bool recorded = poll_until(
    [&] {
      out.notifications = c.get(path, out.owner.access);
      if (out.notifications.status != 200 || !out.notifications.json.IsArray())
        return false;
      for (const auto& n : out.notifications.json.GetArray())
        if (string_of(n, "type") == "email" && string_of(n, "notification_type") == "order_confirmation")
          return true;
      return false;
    },
    5s);
  BOOST_TEST(recorded, "no order_confirmation e-mail notification within 5 s: "
                         << out.notifications.describe() << "\nserver log:\n" << server.log_tail(20));
  return out;
}

/// The order's one e-mail notification: order_confirmation through smtp to the owner, `status`.
void check_notification(const paid_order& p, const std::string& status) {
  const auto& r = p.notifications;
  BOOST_TEST_REQUIRE((r.status == 200 && r.json.IsArray()), r.describe());
  int emails = 0;
  for (const auto& n : r.json.GetArray()) {
    if (string_of(n, "type") != "email")
      continue;
    ++emails;
    BOOST_TEST(string_of(n, "provider") == "smtp", r.body);
    BOOST_TEST(string_of(n, "notification_type") == "order_confirmation", r.body);
    BOOST_TEST(string_of(n, "status") == status, r.body);
    BOOST_TEST(string_of(n, "recipient") == p.owner.email, r.body);
    BOOST_TEST(int_of(n, "order_id") == std::optional<int64_t>{p.order_id}, r.body);
  }
  BOOST_TEST(emails == 1, "expected exactly one e-mail notification: " << r.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(smtp)

BOOST_AUTO_TEST_CASE(order_confirmation_reaches_the_smtp_server) {
  smtp_server mailbox;
  gateway_mock pay;
  expect_successful_payment(pay);
  server_process server{smtp_server_options(pay.base_url(), mailbox.url(), false)};

  auto p = pay_for_new_order(server);
  // "sent" is recorded once the SMTP transaction ended, so the message has been printed.
  check_notification(p, "sent");

  std::string out;
  auto id = std::to_string(p.order_id);
  bool printed = poll_until(
    [&] {
      out = mailbox.output();
      return out.find("END MESSAGE") != std::string::npos;
    },
    5s);
  BOOST_TEST_REQUIRE(printed, "aiosmtpd printed no message:\n" << out);
  BOOST_TEST(out.find(std::string{"From: "} + mail_from) != std::string::npos, out);
  BOOST_TEST(out.find("To: " + p.owner.email) != std::string::npos, out);
  BOOST_TEST(out.find("Subject: Order #" + id + " is confirmed") != std::string::npos, out);
  BOOST_TEST(out.find("Your order #" + id + " is paid and confirmed.") != std::string::npos, out);
  BOOST_TEST(out.find("Content-Type: text/plain; charset=utf-8") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(required_starttls_not_offered_fails_the_notification_not_the_payment) {
  smtp_server mailbox;  // plain SMTP: aiosmtpd offers no STARTTLS without a TLS context
  gateway_mock pay;
  expect_successful_payment(pay);
  server_process server{smtp_server_options(pay.base_url(), mailbox.url(), true)};

  auto p = pay_for_new_order(server);
  check_notification(p, "failed");
  auto out = mailbox.output();
  BOOST_TEST(out.find(p.owner.email) == std::string::npos,
             "a message reached the SMTP server although STARTTLS was required:\n" << out);
  BOOST_TEST(out.find("MESSAGE FOLLOWS") == std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(smtp_server_down_fails_the_notification_not_the_payment) {
  std::string url;
  {
    smtp_server stopped;  // started and stopped: its port is closed now
    url = stopped.url();
  }
  gateway_mock pay;
  expect_successful_payment(pay);
  server_process server{smtp_server_options(pay.base_url(), url, false)};

  auto p = pay_for_new_order(server);
  check_notification(p, "failed");
}

BOOST_AUTO_TEST_SUITE_END()
