// Fake category program: a test names a matrix point that the matrix does not have.
#define BOOST_TEST_MODULE fake_unknown_label
#include <boost/test/unit_test.hpp>

namespace utf = boost::unit_test;

BOOST_AUTO_TEST_CASE(pays_with_paypal, *utf::label("service.paypal") *utf::label("slow")) { BOOST_TEST(true); }
