#include "fixture.hpp"

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(user_supervision, actor_fixture)

BOOST_AUTO_TEST_CASE(activation_loads_the_user_from_the_database) {
  auto sup = supervisor();
  auto email = unique_email("activate");
  auto id = insert_user(email);
  auto r = ask_user(sup, actors::authenticate{id, 1});
  BOOST_TEST_REQUIRE(r.error.ok(), r.error.code);
  BOOST_TEST(r.user.id == id);
  BOOST_TEST(r.user.email == email);
  BOOST_TEST(r.user.first_name == "Fixture");
  auto s = stats(sup);
  BOOST_TEST(s.active == 1);
  BOOST_TEST(s.activations == 1);
}

BOOST_AUTO_TEST_CASE(unknown_users_and_stale_token_versions_are_refused) {
  auto sup = supervisor();
  BOOST_TEST(ask_user(sup, actors::authenticate{987654321, 1}).error.code == error_code::invalid_token);
  auto id = insert_user(unique_email("stale"));
  BOOST_TEST(ask_user(sup, actors::authenticate{id, 2}).error.code == error_code::invalid_token);
  sql("UPDATE users SET is_active = false WHERE id = $1::bigint", {std::to_string(id)});
  auto fresh = supervisor();  // a node that activates the user after the deactivation
  BOOST_TEST(ask_user(fresh, actors::authenticate{id, 1}).error.code == error_code::invalid_token);
}

BOOST_AUTO_TEST_CASE(idle_users_are_passivated_and_reactivated_from_the_database) {
  auto sup = supervisor(1s);
  auto id = insert_user(unique_email("idle"));
  BOOST_TEST_REQUIRE(ask_user(sup, actors::authenticate{id, 1}).error.ok());
  auto s = wait_for(sup, [](const actors::supervisor_stats& s) { return s.passivations == 1; });
  BOOST_TEST(s.passivations == 1);
  BOOST_TEST(s.active == 0);
  // Another node changed the row meanwhile; the re-activated actor must see it.
  sql("UPDATE users SET first_name = 'Changed elsewhere' WHERE id = $1::bigint", {std::to_string(id)});
  auto r = ask_user(sup, actors::authenticate{id, 1});
  BOOST_TEST_REQUIRE(r.error.ok());
  BOOST_TEST(r.user.first_name == "Changed elsewhere");
  BOOST_TEST(stats(sup).activations == 2);
}

BOOST_AUTO_TEST_CASE(a_user_asked_for_more_often_than_the_idle_time_stays_active) {
  // The supervisor's sweep counts time from the last routed message, not from activation.
  auto sup = supervisor(1s);
  auto busy = insert_user(unique_email("busy"));
  auto quiet = insert_user(unique_email("quiet"));
  BOOST_TEST_REQUIRE(ask_user(sup, actors::authenticate{quiet, 1}).error.ok());
  for (int i = 0; i < 8; ++i) {  // 2.4 s: more than twice the idle time, one request each 300 ms
    BOOST_TEST_REQUIRE(ask_user(sup, actors::authenticate{busy, 1}).error.ok());
    std::this_thread::sleep_for(300ms);
  }
  auto s = stats(sup);
  BOOST_TEST(s.passivations == 1);  // the quiet one only
  BOOST_TEST(s.active == 1);
  BOOST_TEST(s.activations == 2);
  s = wait_for(sup, [](const actors::supervisor_stats& s) { return s.passivations == 2; });
  BOOST_TEST(s.active == 0);
}

BOOST_AUTO_TEST_CASE(a_crashed_user_actor_comes_back_with_its_state) {
  auto sup = supervisor();
  auto id = insert_user(unique_email("crash"));
  actors::update_profile change;
  change.who = {id, 1};
  change.first_name = "Persisted";
  change.phone_given = true;
  change.phone = "+79001234567";
  BOOST_TEST_REQUIRE(ask_user(sup, change).error.ok());

  caf::anon_send(sup, actors::crash_entity{id});
  auto s = wait_for(sup, [](const actors::supervisor_stats& s) { return s.crashes == 1; });
  BOOST_TEST(s.crashes == 1);
  BOOST_TEST(s.active == 0);

  auto r = ask_user(sup, actors::authenticate{id, 1});
  BOOST_TEST_REQUIRE(r.error.ok(), r.error.code);
  BOOST_TEST(r.user.first_name == "Persisted");
  BOOST_TEST(*r.user.phone == "+79001234567");
  BOOST_TEST(stats(sup).activations == 2);
}

BOOST_AUTO_TEST_CASE(too_many_crashes_escalate) {
  auto sup = supervisor(300s, 2);
  caf::scoped_actor watcher{*sys};
  watcher->monitor(sup);
  auto id = insert_user(unique_email("escalate"));
  for (int crash = 1; crash <= 2; ++crash) {
    BOOST_TEST_REQUIRE(ask_user(sup, actors::authenticate{id, 1}).error.ok());  // activate
    caf::anon_send(sup, actors::crash_entity{id});
    auto s = wait_for(sup, [crash](const actors::supervisor_stats& s) { return s.crashes == crash; });
    BOOST_TEST_REQUIRE(s.crashes == crash);
  }
  BOOST_TEST_REQUIRE(ask_user(sup, actors::authenticate{id, 1}).error.ok());
  caf::anon_send(sup, actors::crash_entity{id});  // the third within the window: over the limit
  bool down = false;
  watcher->receive(
    [&](caf::down_msg& dm) {
      down = true;
      BOOST_TEST((dm.source == sup.address()));
      BOOST_TEST(static_cast<bool>(dm.reason));
    },
    caf::after(10s) >> [] {});
  BOOST_TEST(down, "the supervisor did not escalate");
}

BOOST_AUTO_TEST_CASE(login_checks_the_password_in_the_users_actor) {
  auto sup = supervisor();
  auto email = unique_email("login");
  insert_user(email, "right1password");
  BOOST_TEST(ask_user(sup, actors::login_user{email, "wrong1password", 0, {}}).error.code == error_code::invalid_credentials);
  BOOST_TEST(ask_user(sup, actors::login_user{"nobody." + email, "right1password", 0, {}}).error.code ==
             error_code::invalid_credentials);
  auto ok = ask_user(sup, actors::login_user{"  " + email + " ", "right1password", 0, {}});
  BOOST_TEST(ok.error.ok(), ok.error.code);
  BOOST_TEST(ok.user.email == email);
}

BOOST_AUTO_TEST_CASE(a_password_change_revokes_earlier_tokens) {
  auto sup = supervisor();
  auto id = insert_user(unique_email("revoke"), "first1password");
  actors::change_password wrong{{id, 1}, "not1theold", "second2password", {}};
  auto refused = ask_user(sup, wrong);
  BOOST_TEST(refused.error.code == error_code::validation_error);
  BOOST_TEST(refused.error.fields.count("old_password") == 1u);

  auto changed = ask_user(sup, actors::change_password{{id, 1}, "first1password", "second2password", {}});
  BOOST_TEST_REQUIRE(changed.error.ok(), changed.error.code);
  BOOST_TEST(changed.user.token_version == 2);
  BOOST_TEST(ask_user(sup, actors::authenticate{id, 1}).error.code == error_code::invalid_token);
  BOOST_TEST(ask_user(sup, actors::authenticate{id, 2}).error.ok());
}

BOOST_AUTO_TEST_CASE(one_email_registers_once_under_concurrency) {
  auto sup = supervisor();
  auto email = unique_email("race");
  caf::scoped_actor self{*sys};
  constexpr int attempts = 6;
  for (int i = 0; i < attempts; ++i)
    self->send(sup, actors::register_user{i % 2 ? email : "  " + email, "secret123", "", "", std::nullopt, {}});
  int created = 0, conflicts = 0;
  for (int i = 0; i < attempts; ++i) {
    self->receive([&](actors::user_reply& r) { r.error.ok() ? ++created : (r.error.code == error_code::email_exists ? ++conflicts : 0); },
                  caf::after(20s) >> [] { BOOST_FAIL("no reply"); });
  }
  BOOST_TEST(created == 1);
  BOOST_TEST(conflicts == attempts - 1);
}

BOOST_AUTO_TEST_CASE(registration_validates_before_it_hashes) {
  auto sup = supervisor();
  auto r = ask_user(sup, actors::register_user{"not-an-email", "short", std::string(151, 'x'), "", std::string{"12"}, {}});
  BOOST_TEST(r.error.code == error_code::validation_error);
  for (const char* field : {"email", "password", "first_name", "phone"})
    BOOST_TEST(r.error.fields.count(field) == 1u, field);
}

BOOST_AUTO_TEST_SUITE_END()
