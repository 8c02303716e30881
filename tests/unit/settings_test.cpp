#include "config/settings.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>

using namespace commerce::config;

namespace {

std::string write_temp(const std::string& text) {
  char name[] = "/tmp/commerce-settings-XXXXXX";
  int fd = mkstemp(name);
  BOOST_REQUIRE(fd >= 0);
  close(fd);
  std::ofstream{name} << text;
  return name;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(defaults) {
  auto s = load(command_line{}, {});
  BOOST_TEST(s.host == "0.0.0.0");
  BOOST_TEST(s.port == 8000);
  BOOST_TEST(s.data_dir == "var");
  BOOST_TEST(s.database_url.empty());
  BOOST_TEST(s.max_body_bytes == 1 << 20);
}

BOOST_AUTO_TEST_CASE(environment_beats_file_and_flags_beat_both) {
  auto file = write_temp("# profile\nexport PORT=9001\nHOST='127.0.0.2'\nLOG_LEVEL=\"debug\"\n\n");
  auto cli = parse_command_line({"--config", file});
  auto s = load(cli, {{"PORT", "9002"}});
  BOOST_TEST(s.port == 9002);
  BOOST_TEST(s.host == "127.0.0.2");
  BOOST_TEST(s.log_level == "debug");
  auto with_flag = load(parse_command_line({"--config=" + file, "--port", "9003"}), {{"PORT", "9002"}});
  BOOST_TEST(with_flag.port == 9003);
  std::remove(file.c_str());
}

BOOST_AUTO_TEST_CASE(wrong_values_fail_with_the_setting_named) {
  auto fails_with = [](std::map<std::string, std::string> env, const std::string& needle) {
    try {
      load(command_line{}, env);
    } catch (const config_error& e) {
      BOOST_TEST(std::string{e.what()}.find(needle) != std::string::npos, e.what());
      BOOST_TEST(std::string{e.what()}.find('\n') == std::string::npos);
      return;
    }
    BOOST_FAIL("no error for " << needle);
  };
  fails_with({{"PORT", "80x"}}, "PORT");
  fails_with({{"PORT", "70000"}}, "PORT");
  fails_with({{"JWT_SECRET", "short"}}, "JWT_SECRET");
  fails_with({{"ADMIN_EMAIL", "a@b.co"}}, "ADMIN_PASSWORD");
  fails_with({{"LOG_LEVEL", "loud"}}, "LOG_LEVEL");
  fails_with({{"ACCESS_LOG", "maybe"}}, "ACCESS_LOG");
  fails_with({{"CRYPTO_QUEUE_LIMIT", "0"}}, "CRYPTO_QUEUE_LIMIT");
  fails_with({{"AUTH_ACCOUNT_BURST", "0"}}, "AUTH_ACCOUNT_BURST");
  fails_with({{"AUTH_ADDRESS_RATE_PER_MINUTE", "lots"}}, "AUTH_ADDRESS_RATE_PER_MINUTE");
  fails_with({{"PAYMENT_WEBHOOK_ALLOWED_IPS", "185.71.76.0/33"}}, "PAYMENT_WEBHOOK_ALLOWED_IPS");
  fails_with({{"TRUSTED_PROXIES", "10.0.0.1, proxy.local"}}, "TRUSTED_PROXIES");
  fails_with({{"SHIPPING_PROVIDER", "cdek"}, {"SHIPPING_ACCOUNT_ID", "id"}, {"SHIPPING_SECRET", "s"}},
             "SHIPPING_ORIGIN_POSTAL_CODE");
  BOOST_CHECK_THROW(parse_command_line({"--bogus"}), config_error);
  BOOST_CHECK_THROW(parse_command_line({"--port"}), config_error);
  BOOST_CHECK_THROW(load(parse_command_line({"--config", "/nonexistent/file.env"}), {}), config_error);
}

BOOST_AUTO_TEST_CASE(env_file_syntax_errors_name_the_line) {
  auto file = write_temp("PORT=1\nthis is not a setting\n");
  try {
    read_env_file(file);
    BOOST_FAIL("accepted a bad line");
  } catch (const config_error& e) {
    BOOST_TEST(std::string{e.what()}.find(":2:") != std::string::npos);
  }
  std::remove(file.c_str());
}

BOOST_AUTO_TEST_CASE(help_lists_every_setting_and_hides_secrets) {
  auto text = help_text();
  for (const char* name : {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "PORT", "--data-dir", "ADMIN_PASSWORD"})
    BOOST_TEST(text.find(name) != std::string::npos, name);
}

BOOST_AUTO_TEST_SUITE_END()
