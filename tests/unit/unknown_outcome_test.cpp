// Which gateway exchanges leave a charge or refund's outcome unknown (API.md §5, §6): sent and
// then no usable answer (timeout, dropped, 5xx, 409, an unreadable 2xx) may have taken effect;
// nothing sent (a connect failure, an open breaker) or a 4xx refusal cannot have.
#include "integrations/provider_support.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::integrations;

namespace {

outbound_response exchange(outbound_failure failure, bool sent, long status = 0, std::string body = "") {
  outbound_response r;
  r.failure = failure;
  r.request_sent = sent;
  r.status = status;
  r.body = std::move(body);
  return r;
}

/// What a provider makes of the exchange: the shared reading of a refund answer.
refund_result read(const outbound_response& r) { return read_refund_answer(r, {"canceled"}, "test"); }

}  // namespace

BOOST_AUTO_TEST_SUITE(unknown_outcomes)

BOOST_AUTO_TEST_CASE(nothing_sent_is_a_plain_failure) {
  for (auto r : {exchange(outbound_failure::connect, false), exchange(outbound_failure::breaker_open, false),
                 exchange(outbound_failure::timeout, false)}) {  // a connect timeout sent nothing
    BOOST_TEST(!may_have_taken_effect(r));
    auto answer = read(r);
    BOOST_TEST(!answer.outcome_unknown);
    BOOST_TEST(!answer.refused);
  }
}

BOOST_AUTO_TEST_CASE(sent_without_a_usable_answer_is_unknown) {
  for (auto r : {exchange(outbound_failure::timeout, true), exchange(outbound_failure::protocol, true),
                 exchange(outbound_failure::none, true, 500), exchange(outbound_failure::none, true, 503),
                 exchange(outbound_failure::none, true, 409), exchange(outbound_failure::none, true, 200, "<html>")}) {
    BOOST_TEST(may_have_taken_effect(r));
    auto answer = read(r);
    BOOST_TEST((answer.outcome == gateway_outcome::gateway_error || answer.outcome == gateway_outcome::timeout));
    BOOST_TEST(answer.outcome_unknown);
  }
}

BOOST_AUTO_TEST_CASE(a_4xx_is_a_refusal_and_an_answer_is_known) {
  auto refused = read(exchange(outbound_failure::none, true, 400, R"({"error":"bad"})"));
  BOOST_TEST(!refused.outcome_unknown);
  BOOST_TEST(refused.refused);
  auto accepted = read(exchange(outbound_failure::none, true, 201, R"({"id":"r1","status":"pending"})"));
  BOOST_TEST((accepted.outcome == gateway_outcome::succeeded));
  BOOST_TEST(!accepted.outcome_unknown);
  auto declined = read(exchange(outbound_failure::none, true, 200, R"({"id":"r1","status":"canceled"})"));
  BOOST_TEST((declined.outcome == gateway_outcome::failed));
  BOOST_TEST(!declined.outcome_unknown);
}

BOOST_AUTO_TEST_SUITE_END()
