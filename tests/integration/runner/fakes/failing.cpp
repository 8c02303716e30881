// Fake category program: one test passes, one fails with a message the reports must carry
// (markup and quotes included), one throws.
#define BOOST_TEST_MODULE fake_failing
#include <boost/test/unit_test.hpp>

#include <stdexcept>

namespace utf = boost::unit_test;

BOOST_AUTO_TEST_SUITE(fake_failing_payments)

BOOST_AUTO_TEST_CASE(cart_becomes_order, *utf::label("module.cart_orders")) { BOOST_TEST(1 == 1); }

BOOST_AUTO_TEST_CASE(ships_with_cdek, *utf::label("service.cdek") *utf::label("flow.product_purchase")) {
  const int status = 500;
  BOOST_TEST(status == 201, "payment mock answered 500 <Internal & \"Server\" Error>");
}

BOOST_AUTO_TEST_CASE(buys_a_product, *utf::label("flow.product_purchase")) {
  throw std::runtime_error("order service unreachable");
}

BOOST_AUTO_TEST_SUITE_END()
