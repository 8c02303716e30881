// The background jobs of the order domain, called directly on a scoped actor as a worker calls
// them (actors/order_jobs.hpp, actors/notification_jobs.hpp), against the real order actors and
// database, with scripted gateway actors and a scripted job desk: every step once even when the
// same job runs again (a redelivery), a failed step leaving the order as it was, an unknown
// charge settled under its key before anything new, and a notification sent once per task.
#include "actors/gateway_messages.hpp"
#include "actors/job_messages.hpp"
#include "actors/notification_jobs.hpp"
#include "actors/order_jobs.hpp"
#include "actors/order_messages.hpp"
#include "actors/payment_desk.hpp"
#include "actors/payment_messages.hpp"
#include "actors/shipping_messages.hpp"
#include "fixture.hpp"
#include "persistence/payment_repository.hpp"

#include <mutex>

using namespace commerce;
using namespace commerce::testing;
using namespace std::chrono_literals;

namespace {

using integrations::gateway_outcome;

/// What the scripted gateways were asked, and how they answer.
struct gateway_log {
  std::mutex mtx;
  gateway_outcome charge_answer = gateway_outcome::succeeded;
  std::vector<std::string> charge_keys;  ///< charges and their settling resends, by key
  std::vector<std::string> payment_tokens;
  int shipments = 0;
  std::vector<integrations::shipment_request> bookings;
  int email_failures_left = 0;  ///< the e-mail gateway refuses this many sends first (-1: always)
  std::vector<integrations::email_message> emails;
  std::vector<integrations::sms_message> texts;
  std::vector<std::string> confirmations;  ///< send_order_email templates the notifier got
};
using log_ptr = std::shared_ptr<gateway_log>;

caf::behavior scripted_payments(caf::event_based_actor*, log_ptr log) {
  auto answer = [log](const integrations::charge_request& request) {
    std::lock_guard<std::mutex> guard{log->mtx};
    log->charge_keys.push_back(request.idempotency_key);
    log->payment_tokens.push_back(request.payment_token);
    integrations::payment_result r;
    r.outcome = log->charge_answer;
    if (r.outcome != gateway_outcome::timeout)
      r.provider_payment_id = "pay_scripted";
    r.outcome_unknown = r.outcome == gateway_outcome::timeout;
    return r;
  };
  return {
    [answer](const actors::charge_payment& cmd) { return answer(cmd.request); },
    [answer](const actors::settle_charge& cmd) { return answer(cmd.request); },
    [log](const actors::fetch_payment& cmd) {
      std::lock_guard<std::mutex> guard{log->mtx};
      integrations::payment_result r;
      r.outcome = log->charge_answer;
      r.provider_payment_id = cmd.provider_payment_id;
      return r;
    },
  };
}

caf::behavior scripted_carrier(caf::event_based_actor*, log_ptr log) {
  return {
    [log](const integrations::shipment_request& request) {
      std::lock_guard<std::mutex> guard{log->mtx};
      ++log->shipments;
      log->bookings.push_back(request);
      return integrations::shipment_result{gateway_outcome::succeeded, "ship_scripted", "TRACK1", "created", ""};
    },
  };
}

caf::behavior scripted_mail(caf::event_based_actor*, log_ptr log) {
  return {
    [log](const integrations::email_message& m) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->emails.push_back(m);
      if (log->email_failures_left != 0) {
        if (log->email_failures_left > 0)
          --log->email_failures_left;
        return integrations::send_result{false, "HTTP 500"};
      }
      return integrations::send_result{true, ""};
    },
    [log](const integrations::sms_message& m) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->texts.push_back(m);
      return integrations::send_result{true, ""};
    },
  };
}

caf::behavior recording_notifier(caf::event_based_actor*, log_ptr log) {
  return {
    [log](const actors::send_order_email& cmd) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->confirmations.push_back(cmd.template_name);
    },
  };
}

/// The job desk, scripted: each enqueue_job becomes a PENDING task it remembers.
struct desk_log {
  std::mutex mtx;
  std::vector<actors::enqueue_job> queued;
  std::vector<std::string> ids;
};

actors::job_desk_api::behavior_type scripted_desk(actors::job_desk_api::pointer, std::shared_ptr<desk_log> log,
                                                  std::shared_ptr<pg::pool> db) {
  return {
    [log, db](const actors::enqueue_job& cmd) {
      auto c = db->acquire();
      actors::task_record t;
      t.id = c->exec("SELECT gen_random_uuid()::text").str(0, 0);
      t.type = cmd.type;
      t.owner_user_id = cmd.owner_user_id;
      std::lock_guard<std::mutex> guard{log->mtx};
      log->queued.push_back(cmd);
      log->ids.push_back(t.id);
      return actors::task_reply{actors::problem::none(), t};
    },
    [](const actors::get_task&) { return actors::task_reply{actors::problem::not_found("task not found"), {}}; },
  };
}

struct jobs_node {
  actors::order_api orders;
  log_ptr gateways = std::make_shared<gateway_log>();
  std::shared_ptr<desk_log> desk = std::make_shared<desk_log>();
  actors::payment_desk_api payment_desk;  ///< request_notification
  actors::gateway_actors integration;
  actors::job_registry registry;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(order_jobs, actor_fixture)

/// An order supervisor on scripted gateways and a scripted job desk, with the two handlers.
std::unique_ptr<jobs_node> jobs_node_for(actor_fixture& f, bool with_sms = false) {
  auto n = std::make_unique<jobs_node>();
  auto base = f.commerce();
  auto& g = n->integration;
  g.payments = f.sys->spawn(scripted_payments, n->gateways);
  g.shipping = f.sys->spawn(scripted_carrier, n->gateways);
  g.email = f.sys->spawn(scripted_mail, n->gateways);
  if (with_sms)
    g.sms = g.email;
  g.payment_provider = "generic";
  g.shipping_provider = "generic";
  g.email_provider = "generic";
  g.sms_provider = "sms_ru";
  actors::order_deps d;
  d.db = {f.db, f.db_workers, std::chrono::seconds(10)};
  d.restarts = {10, std::chrono::seconds(60)};
  d.catalog = base.catalog;
  d.sweep_interval = std::chrono::seconds(0);
  d.gateway_timeout = std::chrono::milliseconds(2000);
  d.gateways = g;
  d.notifier = f.sys->spawn(recording_notifier, n->gateways);
  auto desk = f.sys->spawn(scripted_desk, n->desk, f.db);
  d.jobs = desk;
  n->orders = actors::spawn_order_supervisor(*f.sys, d);
  n->payment_desk = actors::spawn_payment_desk(*f.sys, {d.db, g, d.gateway_timeout, n->orders, desk});
  f.spawned.insert(f.spawned.end(), {caf::actor_cast<caf::actor>(n->orders), g.payments, g.shipping, g.email,
                                     d.notifier, caf::actor_cast<caf::actor>(desk),
                                     caf::actor_cast<caf::actor>(n->payment_desk)});
  actors::add_order_jobs(n->registry, {n->orders, f.db, std::chrono::seconds(20)});
  actors::add_notification_jobs(n->registry, {f.db, g, std::chrono::seconds(5)});
  return n;
}

/// Runs the registered handler of `j.type` once, as a worker would.
actors::job_outcome run(actor_fixture& f, jobs_node& n, const actors::job& j) {
  const auto* handler = n.registry.find(j.type);
  BOOST_TEST_REQUIRE(handler != nullptr, "no handler for " << j.type);
  caf::scoped_actor self{*f.sys};
  return (*handler)(j, self);
}

/// The job the desk queued for start_processing, as a worker receives it.
actors::job start(actor_fixture& f, jobs_node& n, int64_t order_id, int64_t user, const std::string& token = "") {
  auto r = f.ask<actors::task_reply>(n.orders, actors::start_processing{order_id, {user, false}, token});
  BOOST_TEST_REQUIRE(r.error.ok(), "start_processing: " << r.error.message);
  BOOST_TEST(r.task.type == actors::job_types::process_order);
  BOOST_TEST((r.task.owner_user_id == std::optional<int64_t>{user}), "the task is the order owner's");
  std::lock_guard<std::mutex> guard{n.desk->mtx};
  return actors::job{r.task.id, n.desk->queued.back().type, n.desk->queued.back().payload, 1};
}

std::string row_of(actor_fixture& f, int64_t order_id) {
  auto c = f.db->acquire();
  auto r = c->exec("SELECT status || '/' || payment_status || '/' || inventory_reserved || '/' || payment_processed || "
                   "'/' || shipping_created FROM orders WHERE id = $1::bigint",
                   {std::to_string(order_id)});
  return r.str(0, 0);
}

int64_t count_of(actor_fixture& f, const std::string& table_where, int64_t order_id) {
  return f.scalar("SELECT count(*) FROM " + table_where, {std::to_string(order_id)});
}

BOOST_AUTO_TEST_CASE(process_runs_each_step_once_even_when_the_job_runs_again) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("process"));
  auto product = insert_product(5);
  auto id = ask<actors::order_reply>(n->orders, order_for(user, product, 2)).order.id;
  auto j = start(*this, *n, id, user, "tok_from_body");

  auto first = run(*this, *n, j);
  BOOST_TEST((first.what == actors::job_outcome::kind::success), first.error);
  BOOST_TEST(first.result == R"({"order_id":)" + std::to_string(id) + R"(,"status":"processing"})");
  BOOST_TEST(row_of(*this, id) == "processing/paid/true/true/true");

  // Redelivered (a worker died before its ack), and delivered once more after that.
  j.attempt = 2;
  auto again = run(*this, *n, j);
  BOOST_TEST((again.what == actors::job_outcome::kind::success), again.error);
  BOOST_TEST(run(*this, *n, j).result == first.result);

  BOOST_TEST(n->gateways->charge_keys.size() == 1u, "one charge at the gateway");
  BOOST_TEST(n->gateways->payment_tokens == std::vector<std::string>{"tok_from_body"});
  BOOST_TEST(n->gateways->shipments == 1, "one booking at the carrier");
  BOOST_TEST(count_of(*this, "payments WHERE order_id = $1::bigint AND status = 'succeeded'", id) == 1);
  BOOST_TEST(count_of(*this, "payments WHERE order_id = $1::bigint", id) == 1);
  BOOST_TEST(count_of(*this, "shipments WHERE order_id = $1::bigint", id) == 1);
  BOOST_TEST(stock_of(product) == 3, "the checkout's reservation only");
  BOOST_TEST(ledger_of(product) == stock_of(product));
  BOOST_TEST(n->gateways->confirmations == std::vector<std::string>{"order_confirmation"});
  // The carrier got the order's address, method and lines.
  const auto& booking = n->gateways->bookings.front();
  BOOST_TEST(booking.service == "standard");
  BOOST_TEST(booking.address.city == "Moscow");
  BOOST_TEST(booking.recipient_name == "Ann Lee");
  BOOST_TEST(booking.items.size() == 1u);

  // Processed: /process/ is refused now.
  auto later = ask<actors::task_reply>(n->orders, actors::start_processing{id, {user, false}, ""});
  BOOST_TEST((later.error.code == error_code::invalid_order_state));
}

BOOST_AUTO_TEST_CASE(start_processing_checks_the_owner_and_the_state) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("owner"));
  auto stranger = insert_user(unique_email("stranger"));
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;

  auto theirs = ask<actors::task_reply>(n->orders, actors::start_processing{id, {stranger, false}, ""});
  BOOST_TEST((theirs.error.code == error_code::not_found));
  auto missing = ask<actors::task_reply>(n->orders, actors::start_processing{id + 1000000, {user, false}, ""});
  BOOST_TEST((missing.error.code == error_code::not_found));
  // Staff may start it; the task is still the owner's.
  auto by_staff = ask<actors::task_reply>(n->orders, actors::start_processing{id, {stranger, true}, ""});
  BOOST_TEST(by_staff.error.ok());
  BOOST_TEST((by_staff.task.owner_user_id == std::optional<int64_t>{user}));

  auto cancelled = ask<actors::order_reply>(n->orders, actors::cancel_order{id, {user, false}});
  BOOST_TEST_REQUIRE(cancelled.error.ok());
  auto refused = ask<actors::task_reply>(n->orders, actors::start_processing{id, {user, false}, ""});
  BOOST_TEST((refused.error.code == error_code::invalid_order_state));
  BOOST_TEST(n->desk->queued.size() == 1u, "only the staff's task was queued");
}

BOOST_AUTO_TEST_CASE(a_declined_charge_fails_the_task_and_leaves_the_order_unpaid) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("declined"));
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = start(*this, *n, id, user);
  n->gateways->charge_answer = gateway_outcome::failed;

  auto out = run(*this, *n, j);
  BOOST_TEST((out.what == actors::job_outcome::kind::failure));
  BOOST_TEST(out.error.rfind("payment_failed", 0) == 0, out.error);
  BOOST_TEST(row_of(*this, id) == "pending/unpaid/true/false/false");
  BOOST_TEST(n->gateways->shipments == 0, "nothing is shipped for an unpaid order");
  BOOST_TEST(n->gateways->payment_tokens == std::vector<std::string>{""}, "no token given: none sent");
}

BOOST_AUTO_TEST_CASE(a_charge_with_unknown_outcome_is_settled_under_its_key_before_anything_new) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("unknown"));
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = start(*this, *n, id, user);

  n->gateways->charge_answer = gateway_outcome::timeout;
  auto first = run(*this, *n, j);
  BOOST_TEST((first.what == actors::job_outcome::kind::retry), first.error);
  BOOST_TEST(first.error.rfind("gateway_timeout", 0) == 0, first.error);
  BOOST_TEST(row_of(*this, id) == "pending/pending/true/false/false", "never paid without a succeeded payment");

  n->gateways->charge_answer = gateway_outcome::succeeded;
  j.attempt = 2;
  auto second = run(*this, *n, j);
  BOOST_TEST((second.what == actors::job_outcome::kind::success), second.error);
  BOOST_TEST(row_of(*this, id) == "processing/paid/true/true/true");
  BOOST_TEST_REQUIRE(n->gateways->charge_keys.size() == 2u);
  BOOST_TEST(n->gateways->charge_keys[0] == n->gateways->charge_keys[1], "the retry resent the same charge");
  BOOST_TEST(count_of(*this, "payments WHERE order_id = $1::bigint", id) == 1);
}

BOOST_AUTO_TEST_CASE(a_gateway_error_is_retried_and_a_pending_charge_waits) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("pending"));
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = start(*this, *n, id, user);

  n->gateways->charge_answer = gateway_outcome::pending;
  auto waiting = run(*this, *n, j);
  BOOST_TEST((waiting.what == actors::job_outcome::kind::retry), waiting.error);
  BOOST_TEST(waiting.error.rfind("payment_pending", 0) == 0, waiting.error);
  BOOST_TEST(row_of(*this, id) == "pending/pending/true/false/false");

  // Confirmed at the provider: the next run checks the pending payment, charges nothing new.
  n->gateways->charge_answer = gateway_outcome::succeeded;
  auto done = run(*this, *n, j);
  BOOST_TEST((done.what == actors::job_outcome::kind::success), done.error);
  BOOST_TEST(n->gateways->charge_keys.size() == 1u, "one charge created; then a status check");
  BOOST_TEST(count_of(*this, "payments WHERE order_id = $1::bigint AND status = 'succeeded'", id) == 1);
}

BOOST_AUTO_TEST_CASE(released_stock_is_reserved_again_or_the_task_fails_with_the_order_unchanged) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("rereserve"));
  auto product = insert_product(3);
  auto id = ask<actors::order_reply>(n->orders, order_for(user, product, 2)).order.id;
  auto j = start(*this, *n, id, user);
  // A release gave the two units back (as a sweep does, with its ledger row), and someone else
  // bought all five.
  auto sid = std::to_string(id);
  auto pid = std::to_string(product);
  sql("UPDATE orders SET inventory_reserved = false WHERE id = $1::bigint", {sid});
  sql("UPDATE products SET quantity = quantity + 2 WHERE id = $1::bigint", {pid});
  sql("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, order_id) "
      "SELECT id, 2, quantity, 'reservation_expired', $2::bigint FROM products WHERE id = $1::bigint",
      {pid, sid});
  sql("UPDATE products SET quantity = 0 WHERE id = $1::bigint", {pid});
  sql("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason) VALUES ($1::bigint, -3, 0, 'sale')", {pid});

  auto short_of_stock = run(*this, *n, j);
  BOOST_TEST((short_of_stock.what == actors::job_outcome::kind::failure));
  BOOST_TEST(short_of_stock.error.rfind("insufficient_stock", 0) == 0, short_of_stock.error);
  BOOST_TEST(row_of(*this, id) == "pending/unpaid/false/false/false", "the order is unchanged");
  BOOST_TEST(stock_of(product) == 0);
  BOOST_TEST(n->gateways->charge_keys.empty(), "nothing was charged");

  sql("UPDATE products SET quantity = 2 WHERE id = $1::bigint", {pid});
  sql("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason) VALUES ($1::bigint, 2, 2, 'restock')", {pid});
  auto done = run(*this, *n, j);
  BOOST_TEST((done.what == actors::job_outcome::kind::success), done.error);
  BOOST_TEST(row_of(*this, id) == "processing/paid/true/true/true");
  BOOST_TEST(stock_of(product) == 0, "reserved again");
  BOOST_TEST(ledger_of(product) == stock_of(product), "through the ledger");
}

/// The job the desk queued for request_notification, as a worker receives it.
actors::job notification_job(actor_fixture& f, jobs_node& n, int64_t order_id, actors::requester who,
                             const std::string& type) {
  auto r = f.ask<actors::task_reply>(n.payment_desk, actors::request_notification{order_id, who, type});
  BOOST_TEST_REQUIRE(r.error.ok(), "request_notification: " << r.error.message);
  BOOST_TEST(r.task.type == actors::job_types::send_notification);
  std::lock_guard<std::mutex> guard{n.desk->mtx};
  return actors::job{r.task.id, n.desk->queued.back().type, n.desk->queued.back().payload, 1};
}

/// The order's notifications as GET /api/notifications/order/{id}/ lists them:
/// "type/provider/notification_type/status/recipient", oldest first.
std::vector<std::string> notifications_of(actor_fixture& f, int64_t order_id) {
  auto c = f.db->acquire();
  std::vector<std::string> out;
  for (const auto& n : persistence::notifications_of_order(*c, order_id))
    out.push_back(n.type + "/" + n.provider + "/" + n.notification_type + "/" + n.status + "/" + n.recipient);
  return out;
}

BOOST_AUTO_TEST_CASE(a_notification_is_retried_until_accepted_and_sent_once) {
  auto n = jobs_node_for(*this);
  auto email = unique_email("notify");
  auto user = insert_user(email);
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = notification_job(*this, *n, id, {user, false}, "order_created");
  BOOST_TEST(j.payload == R"({"order_id":)" + std::to_string(id) + R"(,"notification_type":"order_created"})");

  // The gateway that fails twice: RETRY, RETRY, then SUCCESS on the third attempt.
  n->gateways->email_failures_left = 2;
  auto first = run(*this, *n, j);
  BOOST_TEST((first.what == actors::job_outcome::kind::retry), first.error);
  BOOST_TEST(first.error.rfind("email_failed", 0) == 0, first.error);
  BOOST_TEST(notifications_of(*this, id) == std::vector<std::string>{"email/generic/order_created/failed/" + email});
  j.attempt = 2;
  BOOST_TEST((run(*this, *n, j).what == actors::job_outcome::kind::retry));
  j.attempt = 3;
  auto third = run(*this, *n, j);
  BOOST_TEST((third.what == actors::job_outcome::kind::success), third.error);
  BOOST_TEST(notifications_of(*this, id) == std::vector<std::string>{"email/generic/order_created/sent/" + email},
             "one notification, sent");
  // Redelivered after its success: nothing more is sent.
  BOOST_TEST((run(*this, *n, j).what == actors::job_outcome::kind::success));
  BOOST_TEST_REQUIRE(n->gateways->emails.size() == 3u);
  for (const auto& m : n->gateways->emails) {
    BOOST_TEST(m.idempotency_key == j.id, "each send carries the task's id as its key");
    BOOST_TEST(m.to == email);
    BOOST_TEST(m.template_name == "order_created");
    BOOST_TEST((m.order_id == std::optional<int64_t>{id}));
  }
  BOOST_TEST(n->gateways->texts.empty(), "no SMS provider: no SMS");
}

BOOST_AUTO_TEST_CASE(a_notification_whose_gateway_keeps_failing_stays_failed) {
  auto n = jobs_node_for(*this);
  auto email = unique_email("failing");
  auto user = insert_user(email);
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = notification_job(*this, *n, id, {user, false}, "order_shipped");
  n->gateways->email_failures_left = -1;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    j.attempt = attempt;
    auto out = run(*this, *n, j);
    BOOST_TEST((out.what == actors::job_outcome::kind::retry), out.error);
  }
  BOOST_TEST(notifications_of(*this, id) == std::vector<std::string>{"email/generic/order_shipped/failed/" + email},
             "one notification, failed, once the worker gives up");
}

BOOST_AUTO_TEST_CASE(a_notification_goes_by_sms_too_where_the_owner_gave_a_phone) {
  auto n = jobs_node_for(*this, true);
  auto email = unique_email("sms");
  auto user = insert_user(email);
  sql("UPDATE users SET phone = '+79001234567' WHERE id = $1::bigint", {std::to_string(user)});
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto j = notification_job(*this, *n, id, {user, false}, "order_confirmation");
  BOOST_TEST((run(*this, *n, j).what == actors::job_outcome::kind::success));
  BOOST_TEST((run(*this, *n, j).what == actors::job_outcome::kind::success));
  BOOST_TEST((notifications_of(*this, id) ==
              std::vector<std::string>{"email/generic/order_confirmation/sent/" + email,
                                       "sms/sms_ru/order_confirmation/sent/+79001234567"}));
  BOOST_TEST(n->gateways->emails.size() == 1u);
  BOOST_TEST(n->gateways->texts.size() == 1u);
}

BOOST_AUTO_TEST_CASE(request_notification_checks_the_owner) {
  auto n = jobs_node_for(*this);
  auto user = insert_user(unique_email("mine"));
  auto stranger = insert_user(unique_email("theirs"));
  auto id = ask<actors::order_reply>(n->orders, order_for(user, insert_product(5))).order.id;
  auto theirs = ask<actors::task_reply>(n->payment_desk, actors::request_notification{id, {stranger, false}, "order_created"});
  BOOST_TEST((theirs.error.code == error_code::not_found));
  auto missing = ask<actors::task_reply>(n->payment_desk, actors::request_notification{id + 1000000, {user, false}, "order_created"});
  BOOST_TEST((missing.error.code == error_code::not_found));
  auto by_staff = ask<actors::task_reply>(n->payment_desk, actors::request_notification{id, {stranger, true}, "order_created"});
  BOOST_TEST(by_staff.error.ok());
  BOOST_TEST((by_staff.task.owner_user_id == std::optional<int64_t>{user}), "the task is the order owner's");
  BOOST_TEST(n->desk->queued.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
