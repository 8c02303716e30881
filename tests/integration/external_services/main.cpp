// The external_services category's master suite (the other files of this folder add its cases).
#define BOOST_TEST_MODULE external_services
#include <boost/test/unit_test.hpp>
