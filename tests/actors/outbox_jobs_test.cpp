// emails.deliver_outbox, called as a worker calls it (a scoped actor, the real PostgreSQL) with a
// scripted e-mail actor: a queued verify_email goes out once under "outbox:<id>", a second run
// (a re-fired slot, a redelivered job) sends nothing, a refused row does not hold up the others
// and ends 'failed' with its error after the bound.
#include "actors/gateway_messages.hpp"
#include "actors/outbox_jobs.hpp"
#include "fixture.hpp"

#include <mutex>
#include <set>

using namespace commerce;
using namespace commerce::testing;

namespace {

struct mail_script {
  std::mutex mtx;
  std::vector<integrations::email_message> sent;  ///< every message asked, accepted or not
  std::set<std::string> refuse;                   ///< recipients the gateway refuses

  size_t to(const std::string& recipient) {
    std::lock_guard<std::mutex> guard{mtx};
    return static_cast<size_t>(
      std::count_if(sent.begin(), sent.end(), [&](const auto& m) { return m.to == recipient; }));
  }
  integrations::email_message last_to(const std::string& recipient) {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->to == recipient)
        return *it;
    return {};
  }
};
using mail_ptr = std::shared_ptr<mail_script>;

caf::behavior scripted_mail(caf::event_based_actor*, mail_ptr s) {
  return {
    [s](const integrations::email_message& m) {
      std::lock_guard<std::mutex> guard{s->mtx};
      s->sent.push_back(m);
      if (s->refuse.count(m.to))
        return integrations::send_result{false, "550 mailbox unavailable"};
      return integrations::send_result{true, ""};
    },
  };
}

struct outbox_fixture : actor_fixture {
  mail_ptr mail = std::make_shared<mail_script>();
  actors::job_registry registry;

  outbox_fixture() {
    actors::outbox_job_deps d;
    d.db = db;
    d.gateways.email = sys->spawn(scripted_mail, mail);
    d.gateways.email_provider = "scripted-mail";
    spawned.push_back(d.gateways.email);
    d.gateway_timeout = std::chrono::seconds(5);
    d.max_attempts = 2;
    d.retry_base = std::chrono::seconds(60);  // a refused row is not due again in this test unless made so
    actors::add_outbox_jobs(registry, d);
  }

  actors::job_outcome run() {
    auto handler = registry.find(actors::job_types::deliver_outbox);
    BOOST_REQUIRE_MESSAGE(handler, "no handler for emails.deliver_outbox");
    caf::scoped_actor self{*sys};
    auto out = (*handler)(actors::job{"00000000-0000-4000-8000-000000000001", actors::job_types::deliver_outbox, "{}", 1},
                          self);
    BOOST_TEST_MESSAGE("emails.deliver_outbox -> " << out.result << out.error);
    return out;
  }

  /// A verify_email row as registration writes it; its id.
  int64_t queue_verify_email(const std::string& email, const std::string& token) {
    auto user = insert_user(email);
    auto c = db->acquire();
    return c
      ->exec("INSERT INTO email_outbox (user_id, recipient, template, payload) "
             "VALUES ($1::bigint, $2, 'verify_email', jsonb_build_object('token', $3::text)) RETURNING id",
             {std::to_string(user), email, token})
      .int64(0, 0);
  }

  std::string status_of(int64_t id) {
    auto c = db->acquire();
    return c->exec("SELECT status FROM email_outbox WHERE id = $1::bigint", {std::to_string(id)}).str(0, 0);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(outbox_jobs, outbox_fixture)

BOOST_AUTO_TEST_CASE(a_queued_verify_email_is_sent_once_across_two_runs) {
  auto email = unique_email("outbox-once");
  auto id = queue_verify_email(email, "tok-once-123");

  auto first = run();
  BOOST_TEST_REQUIRE((first.what == actors::job_outcome::kind::success), first.error);
  BOOST_TEST_REQUIRE(mail->to(email) == 1u);
  auto m = mail->last_to(email);
  BOOST_TEST(m.template_name == "verify_email");
  BOOST_TEST(m.data.at("token") == "tok-once-123");
  BOOST_TEST(m.idempotency_key == "outbox:" + std::to_string(id));
  BOOST_TEST(!m.order_id.has_value());
  BOOST_TEST(status_of(id) == "sent");
  BOOST_TEST(scalar("SELECT count(*) FROM email_outbox WHERE id = $1::bigint AND sent_at IS NOT NULL",
                    {std::to_string(id)}) == 1);

  // Run again (a re-fired slot, a redelivered job): nothing more goes out.
  auto second = run();
  BOOST_TEST((second.what == actors::job_outcome::kind::success), second.error);
  BOOST_TEST(mail->to(email) == 1u);
  BOOST_TEST(status_of(id) == "sent");
}

BOOST_AUTO_TEST_CASE(a_refused_row_never_blocks_the_others_and_fails_after_the_bound) {
  auto bad = unique_email("outbox-refused");
  auto good = unique_email("outbox-good");
  mail->refuse.insert(bad);
  auto bad_id = queue_verify_email(bad, "tok-bad");
  auto good_id = queue_verify_email(good, "tok-good");

  run();
  BOOST_TEST(mail->to(bad) == 1u);
  BOOST_TEST(mail->to(good) == 1u, "the row after a refused one was not sent");
  BOOST_TEST(status_of(good_id) == "sent");
  BOOST_TEST(status_of(bad_id) == "queued");
  BOOST_TEST(scalar("SELECT count(*) FROM email_outbox WHERE id = $1::bigint AND attempts = 1 AND last_error LIKE '550%'",
                    {std::to_string(bad_id)}) == 1);

  // Not due during its backoff.
  run();
  BOOST_TEST(mail->to(bad) == 1u);

  // Due again: the same e-mail under the same key; refused a second time, the bound (2) is reached.
  sql("UPDATE email_outbox SET next_attempt_at = now() WHERE id = $1::bigint", {std::to_string(bad_id)});
  run();
  BOOST_TEST_REQUIRE(mail->to(bad) == 2u);
  BOOST_TEST(mail->last_to(bad).idempotency_key == "outbox:" + std::to_string(bad_id));
  BOOST_TEST(status_of(bad_id) == "failed");
  BOOST_TEST(scalar("SELECT count(*) FROM email_outbox WHERE id = $1::bigint AND attempts = 2 AND last_error LIKE '550%'",
                    {std::to_string(bad_id)}) == 1);

  // Failed for good: never sent again; the good one neither.
  sql("UPDATE email_outbox SET next_attempt_at = now() WHERE id = $1::bigint", {std::to_string(bad_id)});
  run();
  BOOST_TEST(mail->to(bad) == 2u);
  BOOST_TEST(mail->to(good) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
