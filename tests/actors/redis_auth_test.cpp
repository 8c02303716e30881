// A REDIS_URL with an ACL user name logs in with Redis 6's two-argument AUTH, against the
// throwaway Redis that scripts/test starts (TEST_REDIS_URL). Its default user has no password
// ("nopass"): two-argument AUTH for it succeeds with any password, one-argument AUTH is refused
// ("called without any password configured"), so only AUTH user password lets this connect.
#include "persistence/redis_client.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <stdexcept>

using namespace commerce;

BOOST_AUTO_TEST_SUITE(redis_auth)

BOOST_AUTO_TEST_CASE(an_acl_user_name_is_sent_with_the_password) {
  const char* url = std::getenv("TEST_REDIS_URL");
  if (!url)
    BOOST_FAIL("TEST_REDIS_URL is not set: run the tests through scripts/test");
  auto where = persistence::parse_redis_url(url);
  where.user = "default";
  where.password = "any password";
  persistence::redis_client as_default{where};
  BOOST_TEST(as_default.ping());

  where.user = "no-such-user";
  BOOST_CHECK_THROW(persistence::redis_client{where}, std::runtime_error);

  where.user.clear();  // AUTH password alone: the default user has none to check it against
  BOOST_CHECK_THROW(persistence::redis_client{where}, std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
