// The user_flows category's master suite (the other files of this folder add its cases).
#define BOOST_TEST_MODULE user_flows
#include <boost/test/unit_test.hpp>
