// The verification e-mail (API.md §3.1, migration 0001's email_outbox): registration writes a
// verify_email row in its own transaction, and the server delivers it through the e-mail
// gateway (job emails.deliver_outbox, raised right after the commit and by the beat). The token
// is read from what the e-mail mock received, never from the database: what counts is that the
// user gets a code that POST /api/auth/verify-email/ accepts.
//
// Each case's server has a database of its own and no Redis (jobs and the beat's lock in that
// database): every other test server's deliver_outbox job claims rows from the shared database,
// so there it could send this case's row first (and this server would send theirs). Alone, the
// counts are exact: the mock gets these e-mails and nothing else.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <thread>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

const std::string send_path = "/api/v1/emails/send";

/// A server in front of an e-mail mock, with `beat_schedule` as BEAT_SCHEDULE.
struct mail_world {
  scratch_database db{"outbox"};
  gateway_mock mail;
  std::unique_ptr<server_process> server;
  std::unique_ptr<client> c;

  explicit mail_world(const std::string& beat_schedule) {
    server_process::options o;
    o.env = {{"DATABASE_URL", db.url()},
             {"REDIS_URL", std::nullopt},
             {"EMAIL_SERVICE_URL", mail.base_url()},
             {"EMAIL_MOCK_URL", std::nullopt},
             {"GATEWAY_TIMEOUT_MS", std::string{"2000"}},
             {"BEAT_SCHEDULE", beat_schedule}};
    server = std::make_unique<server_process>(o);
    c = std::make_unique<client>(server->base_url());
  }

  /// Every e-mail the mock received.
  size_t sends() { return mail.recorded_requests(json_object{{"method", "POST"}, {"path", send_path}}).Size(); }

  /// `column` of `email`'s verify_email row in this server's database ("<none>" for NULL or no row).
  std::string outbox(const std::string& column, const std::string& email) {
    return db.value("SELECT " + column + "::text FROM email_outbox WHERE recipient = $1 AND template = 'verify_email'",
                    {email})
      .value_or("<none>");
  }

  /// The verify_email sends to `email` the mock recorded so far, oldest first.
  std::vector<rapidjson::Document> verify_emails_to(const std::string& email) {
    std::vector<rapidjson::Document> out;
    auto all = mail.recorded_requests(json_object{{"method", "POST"}, {"path", send_path}});
    for (const auto& req : all.GetArray()) {
      auto body = mock_request_body(req);
      if (body.IsObject() && string_of(body, "template") == "verify_email" && string_of(body, "to") == email) {
        rapidjson::Document copy;
        copy.CopyFrom(req, copy.GetAllocator());
        out.push_back(std::move(copy));
      }
    }
    return out;
  }

  /// Polls the mock until `n` verify_email sends to `email` arrived or `limit` passed.
  std::vector<rapidjson::Document> wait_for_verify_emails(const std::string& email, size_t n,
                                                           std::chrono::milliseconds limit) {
    std::vector<rapidjson::Document> got;
    poll_until(
      [&] {
        got = verify_emails_to(email);
        return got.size() >= n;
      },
      limit, 100ms);
    return got;
  }
};

/// The token the e-mail carries in its `data`.
std::string token_of(const rapidjson::Value& recorded) {
  auto body = mock_request_body(recorded);
  if (!body.IsObject() || !body.HasMember("data") || !body["data"].IsObject())
    return "";
  return string_of(body["data"], "token");
}

void check_token_verifies(client& c, const account& a, const std::string& token) {
  auto v = c.post("/api/auth/verify-email/", json_object{{"token", token}});
  REQUIRE_STATUS(v, 200);
  auto me = c.get("/api/users/profile/", a.access);
  REQUIRE_STATUS(me, 200);
  BOOST_TEST(me.json["email_verified"].GetBool() == true, me.describe());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(email_outbox)

// No beat at all: the job registration raises after its commit delivers the e-mail within seconds.
BOOST_AUTO_TEST_CASE(registration_sends_the_verification_email) {
  mail_world w{"none"};
  w.mail.expect(email_queued_expectation());
  auto a = new_account(*w.c, "outbox");
  auto sent = w.wait_for_verify_emails(a.email, 1, 10s);
  BOOST_TEST_REQUIRE(sent.size() == 1u, "no verify_email e-mail to " << a.email << " within 10 s\nserver log:\n"
                                                                     << w.server->log_tail(30));
  BOOST_TEST(w.sends() == 1u, "the mock got e-mails besides the one verify_email");
  BOOST_TEST(mock_first_header(sent[0], "Idempotency-Key") == "outbox:" + w.outbox("id", a.email));
  BOOST_TEST(poll_until([&] { return w.outbox("status", a.email) == "sent"; }, 5s), w.outbox("status", a.email));
  BOOST_TEST(w.outbox("attempts", a.email) == "1");
  BOOST_TEST(w.outbox("last_error", a.email) == "<none>");
  auto token = token_of(sent[0]);
  BOOST_TEST_REQUIRE(!token.empty(), mock_request_text(sent[0]));
  check_token_verifies(*w.c, a, token);

  // Delivered once: a later job (another registration's) sends that one and no second e-mail to a.
  auto b = new_account(*w.c, "outbox2");
  BOOST_TEST_REQUIRE(w.wait_for_verify_emails(b.email, 1, 10s).size() == 1u);
  BOOST_TEST(w.verify_emails_to(a.email).size() == 1u);
  BOOST_TEST(w.sends() == 2u, "one e-mail per registration");
  BOOST_TEST(w.outbox("attempts", a.email) == "1");
}

// The gateway refuses the first send: the row stays queued and is sent again (a later run, the
// beat's every second) under the same key, then never more.
BOOST_AUTO_TEST_CASE(a_refused_send_is_delivered_by_the_beat) {
  mail_world w{"emails.deliver_outbox@every:1s"};
  answer_options once;
  once.times = 1;
  w.mail.expect(mock_answer("POST", send_path, 503, R"({"error":"try later"})", once));
  w.mail.expect(email_queued_expectation());
  auto a = new_account(*w.c, "outbox_retry");
  auto sent = w.wait_for_verify_emails(a.email, 2, 15s);
  BOOST_TEST_REQUIRE(sent.size() == 2u, "the refused verify_email was not sent again within 15 s\nserver log:\n"
                                          << w.server->log_tail(30));
  // The same e-mail both times, under the same key: the provider can tell it is a resend.
  const auto key = "outbox:" + w.outbox("id", a.email);
  BOOST_TEST(mock_first_header(sent[0], "Idempotency-Key") == key);
  BOOST_TEST(mock_first_header(sent[1], "Idempotency-Key") == key);
  auto token = token_of(sent[1]);
  BOOST_TEST(token == token_of(sent[0]));
  check_token_verifies(*w.c, a, token);
  BOOST_TEST(poll_until([&] { return w.outbox("status", a.email) == "sent"; }, 5s), w.outbox("status", a.email));
  BOOST_TEST(w.outbox("attempts", a.email) == "2");
  BOOST_TEST(w.outbox("last_error", a.email) == "<none>");
  // Accepted once, sent no more (the beat runs the job every second meanwhile).
  std::this_thread::sleep_for(2500ms);
  BOOST_TEST(w.verify_emails_to(a.email).size() == 2u);
  BOOST_TEST(w.sends() == 2u, "the mock got e-mails besides the two attempts");
}

BOOST_AUTO_TEST_SUITE_END()
