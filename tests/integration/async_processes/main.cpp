// The async_processes category's master suite (the other files of this folder add its cases).
#define BOOST_TEST_MODULE async_processes
#include <boost/test/unit_test.hpp>
