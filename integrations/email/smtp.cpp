// SMTP through libcurl (the gateway client's send_mail): smtp://host:port with STARTTLS when the
// server offers it (required with EMAIL_REQUIRE_STARTTLS), or smtps://host:465; AUTH when a user
// name is set. The message is RFC 5322 text/plain in UTF-8.
#include "common/digest.hpp"
#include "integrations/email_gateway.hpp"

#include <sodium.h>

#include <chrono>
#include <ctime>

namespace commerce::integrations {

namespace {

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buf;
}

/// Header values must not smuggle in headers of their own.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n')
      c = ' ';
  return s;
}

class smtp final : public email_gateway {
public:
  smtp(std::string url, std::shared_ptr<gateway_client> client, email_credentials credentials)
    : url_(std::move(url)), client_(std::move(client)), credentials_(std::move(credentials)) {}

  const std::string& provider() const override { return name_; }

  send_result send(const email_message& m) override {
    unsigned char id[12];
    randombytes_buf(id, sizeof id);
    auto hex = common::to_hex({reinterpret_cast<const char*>(id), sizeof id});
    auto domain = credentials_.from.substr(credentials_.from.find('@') + 1);
    std::string message = "Date: " + rfc5322_date() + "\r\n" +
                          "From: " + one_line(credentials_.from) + "\r\n" +
                          "To: " + one_line(m.to) + "\r\n" +
                          "Subject: " + one_line(m.subject) + "\r\n" +
                          "Message-ID: <" + hex + "@" + domain + ">\r\n" +
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n"
                          "\r\n" +
                          email_text(m) + "\r\n";
    auto r = client_->send_mail({name_, url_, credentials_.require_starttls, credentials_.account_id,
                                 credentials_.secret, credentials_.from, m.to, message});
    if (r.failure == outbound_failure::none)
      return {true, ""};
    return {false, r.error};
  }

private:
  std::string name_ = "smtp";
  std::string url_;
  std::shared_ptr<gateway_client> client_;
  email_credentials credentials_;
};

}  // namespace

std::unique_ptr<email_gateway> make_smtp(std::string url, std::shared_ptr<gateway_client> client,
                                         email_credentials credentials) {
  return std::make_unique<smtp>(std::move(url), std::move(client), std::move(credentials));
}

}  // namespace commerce::integrations
