// The payment_integration category's master suite (the other files of this folder add its cases).
#define BOOST_TEST_MODULE payment_integration
#include <boost/test/unit_test.hpp>
