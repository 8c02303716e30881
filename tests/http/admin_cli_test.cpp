// build/commerce-admin against a running server: tables by default, JSON with --json, --help,
// refusals (no token, a user's token, bad arguments, nobody listening) as exit status 1 or 2
// with a message, and the audited actions.
#include "tests/http/support.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

std::string admin_binary() {
  if (const char* set = std::getenv("COMMERCE_ADMIN"); set && *set)
    return set;
  // Built next to the server.
  return (std::filesystem::path{server_binary()}.parent_path() / "commerce-admin").string();
}

run_result admin(const std::vector<std::string>& args) {
  return run_to_exit(admin_binary(), args, {{"PATH", "/usr/bin:/bin"}}, 20s);
}

std::string describe(const run_result& r) {
  return "exit " + (r.exit_code ? std::to_string(*r.exit_code) : std::string{"none"}) + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_cli)

BOOST_AUTO_TEST_CASE(help_lists_every_command) {
  auto r = admin({"--help"});
  BOOST_TEST_REQUIRE((r.exit_code == std::optional<int>{0}), describe(r));
  for (const char* word : {"actors", "actor", "gateways", "jobs", "passivate", "retry", "--url", "--token", "--json"})
    BOOST_TEST(r.out.find(word) != std::string::npos, word << " missing from:\n" << r.out);
  auto none = admin({});
  BOOST_TEST((none.exit_code == std::optional<int>{2}), describe(none));
  auto bad = admin({"actors", "--limit", "0"});
  BOOST_TEST((bad.exit_code == std::optional<int>{2}), describe(bad));
  auto unknown = admin({"explode"});
  BOOST_TEST((unknown.exit_code == std::optional<int>{2}), describe(unknown));
}

BOOST_AUTO_TEST_CASE(refusals_are_exit_1_with_the_reason) {
  client c{shared_server().base_url()};
  auto url = shared_server().base_url();
  auto anonymous = admin({"--url", url, "tree"});
  BOOST_TEST((anonymous.exit_code == std::optional<int>{1}), describe(anonymous));
  BOOST_TEST(anonymous.err.find("401") != std::string::npos, describe(anonymous));
  auto user = new_account(c, "admin-cli-user");
  auto refused = admin({"--url", url, "--token", user.access, "actors"});
  BOOST_TEST((refused.exit_code == std::optional<int>{1}), describe(refused));
  BOOST_TEST(refused.err.find("403") != std::string::npos, describe(refused));
  BOOST_TEST(refused.err.find("permission_denied") != std::string::npos, describe(refused));
  // Nobody listens on this port: a message, not a crash.
  auto gone = admin({"--url", "http://127.0.0.1:" + std::to_string(free_port()), "--token", "x", "jobs"});
  BOOST_TEST((gone.exit_code == std::optional<int>{1}), describe(gone));
  BOOST_TEST(!gone.err.empty());
}

BOOST_AUTO_TEST_CASE(commands_against_a_running_server) {
  client c{shared_server().base_url()};
  auto url = shared_server().base_url();
  auto staff = staff_account(c);
  auto buyer = new_account(c, "admin-cli");
  auto product = create_product(c, staff.access, "Admin CLI " + unique_tag(), "5.00", 10);
  REQUIRE_STATUS(c.post("/api/cart/items/", R"({"product_id":)" + std::to_string(product) + R"(,"quantity":1})", buyer.access),
                 201);
  std::vector<std::string> as_staff{"--url", url, "--token", staff.access};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), as_staff.begin(), as_staff.end());
    return admin(args);
  };

  auto tree = with({"tree"});
  BOOST_TEST_REQUIRE((tree.exit_code == std::optional<int>{0}), describe(tree));
  BOOST_TEST(tree.out.find("SUPERVISOR") != std::string::npos, tree.out);
  BOOST_TEST(tree.out.find("carts") != std::string::npos, tree.out);
  BOOST_TEST(tree.out.find("RESTART BUDGET") != std::string::npos, tree.out);

  // The buyer's cart, found by starting the page just before its id.
  auto cursor = "cart:" + std::to_string(buyer.id - 1);
  auto table = with({"actors", "--kind", "cart", "--probe", "--limit", "1", "--cursor", cursor});
  BOOST_TEST_REQUIRE((table.exit_code == std::optional<int>{0}), describe(table));
  BOOST_TEST(table.out.find("MAILBOX") != std::string::npos, table.out);
  BOOST_TEST(table.out.find("cart of user " + std::to_string(buyer.id)) != std::string::npos, table.out);

  auto json = with({"--json", "actors", "--kind", "cart", "--limit", "1", "--cursor", cursor});
  BOOST_TEST_REQUIRE((json.exit_code == std::optional<int>{0}), describe(json));
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  BOOST_TEST_REQUIRE((!doc.HasParseError() && doc.IsObject() && doc.HasMember("actors") && doc["actors"].IsArray() &&
                      doc["actors"].Size() == 1u),
                     json.out);
  BOOST_TEST(*int_of(doc["actors"][0], "entity_id") == buyer.id);
  auto actor_id = std::to_string(*int_of(doc["actors"][0], "id"));

  auto one = with({"actor", actor_id});
  BOOST_TEST_REQUIRE((one.exit_code == std::optional<int>{0}), describe(one));
  BOOST_TEST(one.out.find("mailbox_size") != std::string::npos, one.out);
  BOOST_TEST(one.out.find(std::to_string(buyer.id)) != std::string::npos, one.out);

  auto gateways = with({"gateways"});
  BOOST_TEST_REQUIRE((gateways.exit_code == std::optional<int>{0}), describe(gateways));
  BOOST_TEST(gateways.out.find("BREAKER") != std::string::npos, gateways.out);
  BOOST_TEST(gateways.out.find("payment") != std::string::npos, gateways.out);

  auto jobs = with({"jobs"});
  BOOST_TEST_REQUIRE((jobs.exit_code == std::optional<int>{0}), describe(jobs));
  BOOST_TEST(jobs.out.find("queue (") != std::string::npos, jobs.out);
  BOOST_TEST(jobs.out.find("BEAT ENTRY") != std::string::npos, jobs.out);

  auto passivated = with({"passivate", actor_id});
  BOOST_TEST_REQUIRE((passivated.exit_code == std::optional<int>{0}), describe(passivated));
  BOOST_TEST(passivated.out.find("passivated actor " + actor_id) != std::string::npos, passivated.out);
  auto gone = with({"actor", actor_id});
  BOOST_TEST((gone.exit_code == std::optional<int>{1}), describe(gone));
  BOOST_TEST(gone.err.find("404") != std::string::npos, describe(gone));

  auto task_id = *db_value("INSERT INTO tasks (id, type, payload, status, error, attempts, dead_letter, finished_at) "
                           "VALUES (gen_random_uuid(), 'noop', '{}', 'FAILURE', 'boom', 5, true, now()) RETURNING id::text");
  auto retried = with({"retry", task_id});
  BOOST_TEST_REQUIRE((retried.exit_code == std::optional<int>{0}), describe(retried));
  BOOST_TEST(retried.out.find("queued again") != std::string::npos, retried.out);
  BOOST_TEST(final_status_of(wait_for_task(c, task_id, staff.access)) == "SUCCESS");
  auto again = with({"retry", task_id});
  BOOST_TEST((again.exit_code == std::optional<int>{1}), describe(again));

  auto audit = with({"audit", "--limit", "5"});
  BOOST_TEST_REQUIRE((audit.exit_code == std::optional<int>{0}), describe(audit));
  BOOST_TEST(audit.out.find("passivate_actor") != std::string::npos, audit.out);
  BOOST_TEST(audit.out.find("retry_job") != std::string::npos, audit.out);
  BOOST_TEST(audit.out.find(admin_email) != std::string::npos, audit.out);
}

BOOST_AUTO_TEST_SUITE_END()
