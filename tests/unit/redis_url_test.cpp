// REDIS_URL as hiredis needs it: an IPv6 host without its brackets, a percent-decoded password,
// a Redis 6 ACL user name kept for `AUTH user password`, and unix:// socket paths.
#include "persistence/redis_client.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

using commerce::persistence::parse_redis_url;
using commerce::persistence::redis_endpoint;

BOOST_AUTO_TEST_SUITE(redis_url_suite)

BOOST_AUTO_TEST_CASE(an_ipv6_host_loses_its_brackets) {
  auto ep = parse_redis_url("redis://[::1]:6380/2");
  BOOST_TEST(ep.host == "::1");
  BOOST_TEST(ep.port == 6380);
  BOOST_TEST(ep.database == 2);
  BOOST_TEST(ep.socket_path.empty());
}

BOOST_AUTO_TEST_CASE(a_percent_encoded_password_is_decoded) {
  auto ep = parse_redis_url("redis://:p%40ss@host");
  BOOST_TEST(ep.password == "p@ss");
  BOOST_TEST(ep.user.empty());
  BOOST_TEST(ep.host == "host");
  BOOST_TEST(ep.port == 6379);
  BOOST_TEST(ep.database == 0);
}

BOOST_AUTO_TEST_CASE(an_acl_user_name_is_kept) {
  auto ep = parse_redis_url("redis://user:pw@host:6379/0");
  BOOST_TEST(ep.user == "user");
  BOOST_TEST(ep.password == "pw");
  BOOST_TEST(ep.host == "host");
  BOOST_TEST(ep.port == 6379);
  BOOST_TEST(ep.database == 0);
}

BOOST_AUTO_TEST_CASE(userinfo_without_a_colon_is_the_password_as_redis_cli_reads_it) {
  auto ep = parse_redis_url("redis://secret@host:7000");
  BOOST_TEST(ep.user.empty());
  BOOST_TEST(ep.password == "secret");
  BOOST_TEST(ep.port == 7000);
}

BOOST_AUTO_TEST_CASE(a_plain_host_takes_the_defaults) {
  auto ep = parse_redis_url("redis://localhost");
  BOOST_TEST(ep.host == "localhost");
  BOOST_TEST(ep.port == 6379);
  BOOST_TEST(ep.database == 0);
  BOOST_TEST(ep.user.empty());
  BOOST_TEST(ep.password.empty());
  BOOST_TEST(ep.socket_path.empty());
  BOOST_TEST(parse_redis_url("redis://cache:6379/").database == 0);
}

BOOST_AUTO_TEST_CASE(a_unix_socket_path_is_taken_as_it_is) {
  auto ep = parse_redis_url("unix:///tmp/r.sock");
  BOOST_TEST(ep.socket_path == "/tmp/r.sock");
  BOOST_TEST(ep.host.empty());
  BOOST_TEST(ep.password.empty());
}

BOOST_AUTO_TEST_CASE(malformed_urls_are_refused_naming_the_setting) {
  for (const char* url : {"", "localhost:6379", "http://host", "rediss://host", "redis://", "redis://:pw@",
                          "redis://host:0", "redis://host:65536", "redis://host:abc", "redis://host/abc",
                          "redis://host/-1", "redis://host/1x", "redis://host/2/3", "redis://ho st", "redis://[::1",
                          "redis://host?db=1", "unix://", "unix://relative/path"}) {
    try {
      auto ep = parse_redis_url(url);
      BOOST_ERROR("accepted '" << url << "' as host '" << ep.host << "' port " << ep.port << " db " << ep.database);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST(std::string{e.what()}.rfind("REDIS_URL", 0) == 0, url << ": " << e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
