// The in-process token buckets behind the auth rate limits (issue 8, point 4).
#include "actors/rate_limiter.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::actors;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(a_bucket_allows_its_burst_then_refills_at_its_rate) {
  token_buckets buckets;
  auto t = token_buckets::clock::now();
  std::vector<rate_key> keys{{"auth:address:10.0.0.1", {6, 3}}};  // one token per 10 s
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(buckets.take(keys, t).count() == 0);
  auto wait = buckets.take(keys, t);
  BOOST_TEST(wait.count() >= 9999);
  BOOST_TEST(wait.count() <= 10001);
  auto later = buckets.take(keys, t + 9s).count();
  BOOST_TEST(later >= 999);
  BOOST_TEST(later <= 1001);
  BOOST_TEST(buckets.take(keys, t + 10s).count() == 0);
  BOOST_TEST(buckets.take(keys, t + 10s).count() > 0);
}

BOOST_AUTO_TEST_CASE(a_request_takes_from_every_bucket_or_from_none) {
  token_buckets buckets;
  auto t = token_buckets::clock::now();
  rate_key address{"auth:address:10.0.0.2", {60, 10}};
  rate_key account{"auth:account:email:a@example.com", {60, 1}};
  BOOST_TEST(buckets.take({address, account}, t).count() == 0);
  BOOST_TEST(buckets.take({address, account}, t).count() >= 999);  // the account is empty
  // The refused request took nothing from the address: nine more fit.
  for (int i = 0; i < 9; ++i)
    BOOST_TEST(buckets.take({address}, t).count() == 0);
  BOOST_TEST(buckets.take({address}, t).count() > 0);
}

BOOST_AUTO_TEST_CASE(memory_is_bounded) {
  token_buckets buckets{100};
  auto t = token_buckets::clock::now();
  for (int i = 0; i < 1000; ++i)
    BOOST_TEST(buckets.take({{"k" + std::to_string(i), {1, 5}}}, t).count() == 0);
  BOOST_TEST(buckets.size() <= 100u);
  // Recently used buckets survive eviction of the oldest.
  for (int i = 0; i < 4; ++i)
    buckets.take({{"k999", {1, 5}}}, t);
  BOOST_TEST(buckets.take({{"k999", {1, 5}}}, t).count() > 0);
}

BOOST_AUTO_TEST_SUITE_END()
