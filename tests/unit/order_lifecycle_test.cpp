// The whole order lifecycle (domain/order_lifecycle.hpp) against explicit tables: every pair of
// order statuses, every named transition, and every status word.
#include "domain/order_lifecycle.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

using namespace commerce::domain;

namespace {

using os = order_status;
using ps = payment_status;
using cs = charge_status;

const std::vector<order_status> all_orders = {os::pending, os::confirmed, os::processing, os::shipped,
                                              os::delivered, os::cancelled, os::refunded};
const std::vector<payment_status> all_payments = {ps::unpaid, ps::pending, ps::paid, ps::partially_refunded,
                                                  ps::refunded};
const std::vector<charge_status> all_charges = {cs::processing, cs::unknown, cs::pending, cs::succeeded, cs::failed};
const std::vector<charge_outcome> all_outcomes = {charge_outcome::succeeded, charge_outcome::pending,
                                                  charge_outcome::failed, charge_outcome::unknown};

std::string words(const order_state& s) { return to_string(s.status) + "/" + to_string(s.payment); }

template <class Status>
void round_trips(const std::vector<Status>& all, const std::vector<std::string>& words) {
  BOOST_TEST_REQUIRE(all.size() == words.size());
  for (size_t i = 0; i < all.size(); ++i) {
    BOOST_TEST(to_string(all[i]) == words[i]);
    auto back = parse<Status>(words[i]);
    BOOST_TEST_REQUIRE(back.has_value(), words[i]);
    BOOST_TEST((*back == all[i]), words[i]);
  }
  for (const char* stranger : {"", "bogus", "Pending", "PAID", " pending", "pending "})
    BOOST_TEST(!parse<Status>(stranger).has_value(), "'" << stranger << "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(order_lifecycle)

BOOST_AUTO_TEST_CASE(every_status_word_round_trips_and_no_other_parses) {
  round_trips(all_orders, {"pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "refunded"});
  round_trips(all_payments, {"unpaid", "pending", "paid", "partially_refunded", "refunded"});
  round_trips(all_charges, {"processing", "unknown", "pending", "succeeded", "failed"});
  round_trips(std::vector<refund_attempt>{refund_attempt::processing, refund_attempt::unknown},
              {"processing", "unknown"});
  round_trips(std::vector<shipment_status>{shipment_status::creating}, {"creating"});
  // A payment word is not an order word, and the other way round.
  BOOST_TEST(!parse<order_status>("paid").has_value());
  BOOST_TEST(!parse<payment_status>("confirmed").has_value());
  BOOST_TEST(!parse<charge_status>("unpaid").has_value());
}

BOOST_AUTO_TEST_CASE(every_pair_of_order_statuses_is_allowed_or_refused_as_the_table_says) {
  const std::set<std::pair<order_status, order_status>> allowed = {
    {os::pending, os::confirmed},   {os::pending, os::cancelled},   {os::confirmed, os::processing},
    {os::confirmed, os::refunded},  {os::processing, os::shipped},  {os::processing, os::refunded},
    {os::shipped, os::delivered},   {os::shipped, os::refunded},    {os::delivered, os::refunded},
  };
  int checked = 0;
  for (auto from : all_orders)
    for (auto to : all_orders) {
      BOOST_TEST(can_move(from, to) == (allowed.count({from, to}) == 1), to_string(from) << " -> " << to_string(to));
      ++checked;
    }
  BOOST_TEST(checked == 49);
}

BOOST_AUTO_TEST_CASE(the_processing_steps) {
  BOOST_TEST((next_step(os::pending) == os::confirmed));
  BOOST_TEST((next_step(os::confirmed) == os::processing));
  BOOST_TEST((next_step(os::processing) == os::shipped));
  BOOST_TEST((next_step(os::shipped) == os::delivered));
  for (auto last : {os::delivered, os::cancelled, os::refunded})
    BOOST_TEST(!next_step(last).has_value(), to_string(last));
}

BOOST_AUTO_TEST_CASE(cancel_refund_ship_and_stock) {
  const std::set<order_status> cancellable = {os::pending};
  const std::set<order_status> refundable = {os::confirmed, os::processing, os::shipped, os::delivered};
  const std::set<order_status> shippable = {os::pending, os::confirmed, os::processing, os::shipped, os::delivered};
  const std::set<order_status> processable = {os::pending, os::confirmed};  // POST /process/ (API.md §3.4)
  for (auto s : all_orders) {
    BOOST_TEST(can_process(s) == (processable.count(s) == 1), to_string(s));
    BOOST_TEST(can_cancel(s) == (cancellable.count(s) == 1), to_string(s));
    BOOST_TEST(can_refund(s) == (refundable.count(s) == 1), to_string(s));
    BOOST_TEST(can_ship(s) == (shippable.count(s) == 1), to_string(s));
    BOOST_TEST(requires_unpaid(s) == (s == os::cancelled), to_string(s));
    for (auto to : all_orders)
      BOOST_TEST(releases_stock(s, to) == (s == os::pending && to == os::cancelled),
                 to_string(s) << " -> " << to_string(to));
  }
  BOOST_TEST((unpaid_for_cancel == ps::unpaid));
}

BOOST_AUTO_TEST_CASE(expiring_a_reservation_cancels_a_pending_unpaid_order) {
  BOOST_TEST((expiring_reservation.from == os::pending));
  BOOST_TEST((expiring_reservation.while_payment == ps::unpaid));
  BOOST_TEST((expiring_reservation.to == os::cancelled));
  BOOST_TEST(can_move(expiring_reservation.from, expiring_reservation.to));
  BOOST_TEST(releases_stock(expiring_reservation.from, expiring_reservation.to));
}

BOOST_AUTO_TEST_CASE(starting_a_charge) {
  const std::set<payment_status> paid = {ps::paid, ps::partially_refunded, ps::refunded};
  for (auto p : all_payments)
    BOOST_TEST(is_paid(p) == (paid.count(p) == 1), to_string(p));
  for (auto s : all_orders)
    BOOST_TEST(accepts_charge(s) == (s == os::pending || s == os::confirmed), to_string(s));
  BOOST_TEST((charge_started == cs::processing));
  BOOST_TEST((payment_while_charging == ps::pending));
  BOOST_TEST((awaiting_provider == cs::pending));
  BOOST_TEST((settleable_charges == std::array<charge_status, 3>{cs::processing, cs::unknown, cs::pending}));
  BOOST_TEST((unsettled_charges == std::array<charge_status, 2>{cs::processing, cs::unknown}));
}

BOOST_AUTO_TEST_CASE(the_charge_row_after_each_outcome) {
  BOOST_TEST((charge_after(charge_outcome::succeeded) == cs::succeeded));
  BOOST_TEST((charge_after(charge_outcome::pending) == cs::pending));
  BOOST_TEST((charge_after(charge_outcome::failed) == cs::failed));
  BOOST_TEST((charge_after(charge_outcome::unknown) == cs::unknown));
  for (auto c : all_charges) {
    BOOST_TEST(keeps_resend_token(c) == (c == cs::unknown), to_string(c));
    auto shown = (c == cs::processing || c == cs::unknown) ? cs::pending : c;
    BOOST_TEST((as_reported(c) == shown), to_string(c));
  }
}

BOOST_AUTO_TEST_CASE(settling_a_charge_for_every_order_state_and_outcome) {
  for (auto s : all_orders)
    for (auto p : all_payments)
      for (auto outcome : all_outcomes) {
        order_state now{s, p};
        auto got = after_charge(now, outcome);
        bool refund_at_once = false;
        std::optional<order_state> expected;
        switch (outcome) {
          case charge_outcome::succeeded:
            if (s == os::cancelled)
              refund_at_once = true;
            else
              expected = order_state{s == os::pending ? os::confirmed : s, ps::paid};
            break;
          case charge_outcome::pending:
            if (p == ps::unpaid || p == ps::pending)
              expected = order_state{s, ps::pending};
            break;
          case charge_outcome::failed:
            if (p == ps::unpaid || p == ps::pending)
              expected = order_state{s, ps::unpaid};
            break;
          case charge_outcome::unknown: break;
        }
        BOOST_TEST(got.refund_at_once == refund_at_once, words(now) << " " << int(outcome));
        BOOST_TEST(got.order.has_value() == expected.has_value(), words(now) << " " << int(outcome));
        if (got.order && expected)
          BOOST_TEST((*got.order == *expected), words(now) << " " << int(outcome) << " -> " << words(*got.order));
      }
  // The common paths, spelled out.
  BOOST_TEST((*after_charge({os::pending, ps::pending}, charge_outcome::succeeded).order ==
              order_state{os::confirmed, ps::paid}));
  BOOST_TEST((*after_charge({os::pending, ps::pending}, charge_outcome::failed).order ==
              order_state{os::pending, ps::unpaid}));
  BOOST_TEST(after_charge({os::cancelled, ps::pending}, charge_outcome::succeeded).refund_at_once);
  BOOST_TEST(!after_charge({os::pending, ps::pending}, charge_outcome::unknown).order.has_value());
  BOOST_TEST(!after_charge({os::confirmed, ps::paid}, charge_outcome::failed).order.has_value());
}

BOOST_AUTO_TEST_CASE(refunds_full_and_partial) {
  for (auto p : all_payments)
    BOOST_TEST(accepts_refund(p) == (p == ps::paid || p == ps::partially_refunded), to_string(p));
  BOOST_TEST((refundable_charge == cs::succeeded));
  for (auto s : all_orders)
    for (auto p : {ps::paid, ps::partially_refunded}) {
      order_state now{s, p};
      BOOST_TEST((after_refund(now, false) == order_state{s, ps::partially_refunded}), words(now));
      auto full = after_refund(now, true);
      BOOST_TEST((full == order_state{s == os::cancelled ? os::cancelled : os::refunded, ps::refunded}), words(now));
    }
  BOOST_TEST(refund_as_reported("processing") == "pending");
  BOOST_TEST(refund_as_reported("unknown") == "pending");
  BOOST_TEST(refund_as_reported("succeeded") == "succeeded");
  BOOST_TEST(refund_as_reported("pending") == "pending");
  BOOST_TEST(refund_as_reported("canceled") == "canceled");
}

BOOST_AUTO_TEST_SUITE_END()
