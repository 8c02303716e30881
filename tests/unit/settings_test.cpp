#include "config/logging.hpp"
#include "config/settings.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

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

/// One of the repository's env-file profiles, config/<name>.env.
std::string profile(const std::string& name) {
  return std::filesystem::path{COMMERCE_SOURCE_DIR} / "config" / (name + ".env");
}

/// What load() refuses with, or "" when it accepts.
std::string refusal(const command_line& cli, const std::map<std::string, std::string>& env) {
  try {
    load(cli, env);
    return "";
  } catch (const config_error& e) {
    return e.what();
  }
}

/// A production deployment's environment: real URLs, providers and secrets.
std::map<std::string, std::string> production_environment() {
  return {{"DATABASE_URL", "postgresql://shop@db.internal/shop"},
          {"JWT_SECRET", "a-real-secret-from-the-vault-0123456789abcdef"},
          {"PAYMENT_PROVIDER", "yookassa"},
          {"PAYMENT_SERVICE_URL", "https://api.yookassa.ru/v3"},
          {"PAYMENT_ACCOUNT_ID", "123456"},
          {"PAYMENT_SECRET", "live_secret"},
          {"SHIPPING_PROVIDER", "boxberry"},
          {"SHIPPING_SERVICE_URL", "https://api.boxberry.ru/json.php"},
          {"SHIPPING_SECRET", "boxberry-token"},
          {"EMAIL_PROVIDER", "smtp"},
          {"EMAIL_SERVICE_URL", "smtp://localhost:25"}};
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
  BOOST_TEST(s.inventory_provider.empty());  // no warehouse feed unless configured
}

BOOST_AUTO_TEST_CASE(an_inventory_feed_url_alone_means_the_generic_feed) {
  auto s = load(command_line{}, {{"INVENTORY_SERVICE_URL", "http://wms.internal:8080/"}});
  BOOST_TEST(s.inventory_provider == "generic");
  BOOST_TEST(s.inventory_service_url == "http://wms.internal:8080");
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
  fails_with({{"INVENTORY_PROVIDER", "1c"}, {"INVENTORY_SERVICE_URL", "http://wms"}}, "INVENTORY_PROVIDER");
  fails_with({{"INVENTORY_PROVIDER", "generic"}}, "INVENTORY_SERVICE_URL");
  fails_with({{"INVENTORY_SERVICE_URL", "ftp://wms"}}, "INVENTORY_SERVICE_URL");
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

BOOST_AUTO_TEST_CASE(the_production_profile_fails_closed) {
  command_line cli;
  cli.config_file = profile("production");
  // Nothing from the environment: no embedded database, generated secret or mock gateway.
  auto why = refusal(cli, {});
  BOOST_TEST(!why.empty(), "config/production.env started with nothing set");
  for (const char* name : {"DATABASE_URL", "JWT_SECRET", "PAYMENT_SERVICE_URL", "SHIPPING_SERVICE_URL", "EMAIL_SERVICE_URL"})
    BOOST_TEST(why.find(name) != std::string::npos, name << " is not named: " << why);
  BOOST_TEST(why.find('\n') == std::string::npos, "more than one line: " << why);

  // Everything set: it starts, with exactly what was given.
  auto env = production_environment();
  BOOST_TEST(refusal(cli, env) == "");
  auto s = load(cli, env);
  BOOST_TEST(s.payment_service_url == "https://api.yookassa.ru/v3");

  // Each missing piece alone stops it, naming that piece.
  for (const char* name : {"DATABASE_URL", "JWT_SECRET", "PAYMENT_PROVIDER", "PAYMENT_SERVICE_URL", "SHIPPING_PROVIDER",
                           "SHIPPING_SERVICE_URL", "EMAIL_PROVIDER", "EMAIL_SERVICE_URL", "PAYMENT_SECRET",
                           "SHIPPING_SECRET"}) {
    auto without = env;
    without.erase(name);
    auto refused = refusal(cli, without);
    BOOST_TEST(refused.find(name) != std::string::npos, "without " << name << ": " << (refused.empty() ? "started" : refused));
  }
  // The document's *_MOCK_URL variables and the mocks' default addresses are not used.
  auto mocked = env;
  mocked.erase("PAYMENT_SERVICE_URL");
  mocked["PAYMENT_MOCK_URL"] = "http://localhost:1080";
  BOOST_TEST(refusal(cli, mocked).find("PAYMENT_SERVICE_URL") != std::string::npos);
  mocked["PAYMENT_SERVICE_URL"] = "http://localhost:1080/";
  BOOST_TEST(refusal(cli, mocked).find("mock") != std::string::npos, refusal(cli, mocked));
}

BOOST_AUTO_TEST_CASE(only_the_test_profile_holds_fixed_secrets) {
  auto is_secret = [](const std::string& key) {
    return key.find("SECRET") != std::string::npos || key.find("PASSWORD") != std::string::npos ||
           key.find("TOKEN") != std::string::npos || key == "DATABASE_URL" || key == "REDIS_URL";
  };
  for (const char* name : {"production", "development"}) {
    for (const auto& [key, value] : read_env_file(profile(name))) {
      BOOST_TEST(!is_secret(key), "config/" << name << ".env sets " << key);
      BOOST_TEST(value.find("localhost") == std::string::npos, "config/" << name << ".env: " << key << "=" << value);
      BOOST_TEST(value.find("mock") == std::string::npos, "config/" << name << ".env: " << key << "=" << value);
    }
  }
  BOOST_TEST(read_env_file(profile("production")).at("APP_ENV") == "production");
  // The test profile says so at its top, and is told apart by APP_ENV.
  std::ifstream in{profile("integration")};
  std::string first;
  std::getline(in, first);
  BOOST_TEST(first.find("FOR TESTS ONLY") != std::string::npos, "config/integration.env begins: " << first);
  BOOST_TEST(read_env_file(profile("integration")).at("APP_ENV") == "test");
}

BOOST_AUTO_TEST_CASE(database_url_is_checked_by_libcurl_and_left_to_libpq) {
  command_line cli;
  auto with_url = [](const std::string& url) { return std::map<std::string, std::string>{{"DATABASE_URL", url}}; };
  // What libpq takes: the test services' socket form (no host), host lists, socket directories,
  // IPv6, percent-encoded passwords, and the key=value form.
  for (const char* good : {"postgresql://postgres@/commerce_test?host=/tmp/commerce-test.x/pg-run&port=5433",
                           "postgresql://shop@db.internal/shop", "postgres://shop:p%40ss@db:5432/shop?sslmode=require",
                           "postgresql://host1:123,host2:456/somedb", "postgresql:///dbname?host=/var/run/postgresql",
                           "postgresql://%2Fvar%2Flib%2Fpostgresql/dbname", "postgresql://[2001:db8::1234]:5432/database",
                           "postgresql://", "host=/tmp dbname=shop user=shop",
                           "host=db dbname=shop application_name=https://shop.example"}) {
    auto s = load(cli, with_url(good));
    BOOST_TEST(s.database_url == good, "passed on as it is");
  }
  for (const char* bad : {"mysql://shop@db/shop", "postgresql://db:notaport/shop", "postgresql://db:99999/shop",
                          "postgresql://d b/shop", "postgresql://h1,h2:x/shop"}) {
    auto why = refusal(cli, with_url(bad));
    BOOST_TEST(why.rfind("DATABASE_URL", 0) == 0, bad << ": " << (why.empty() ? "accepted" : why));
  }
  auto why = refusal(cli, with_url("postgresql://shop:top-secret@db:port/shop"));
  BOOST_TEST(why.find("top-secret") == std::string::npos, why);
  BOOST_TEST(why.find('\n') == std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(a_log_file_beside_the_console_each_at_its_own_level) {
  auto s = load(command_line{}, {});
  BOOST_TEST(s.log_file.empty(), "console only by default");
  BOOST_TEST(s.log_file_level == "debug");
  BOOST_TEST(refusal(command_line{}, {{"LOG_FILE_LEVEL", "verbose"}}).find("LOG_FILE_LEVEL") == 0u);

  // The integration profile: DEBUG into logs/integration_test.log, INFO on the console (the document's LOGGING).
  auto profile_settings = load(parse_command_line({"--config", profile("integration")}), {});
  BOOST_TEST(profile_settings.log_file == "logs/integration_test.log");
  BOOST_TEST(profile_settings.log_file_level == "debug");
  BOOST_TEST(profile_settings.log_level == "info");

  const auto dir = std::filesystem::temp_directory_path() / ("commerce-log-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  s.log_file = (dir / "nested" / "server.log").string();  // the directory is created
  s.log_level = "info";
  s.log_file_level = "debug";
  {
    auto logger = make_logger(s, "settings-test");
    logger->debug("only-in-the-file {}", 1);
    logger->trace("below-both-levels");
    logger->info("in-both {}", 2);
    logger->flush();
  }
  std::ifstream in{s.log_file};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  BOOST_TEST(text.find("only-in-the-file 1") != std::string::npos, text);
  BOOST_TEST(text.find("in-both 2") != std::string::npos, text);
  BOOST_TEST(text.find("below-both-levels") == std::string::npos, text);

  // A file that cannot be opened is a configuration error naming LOG_FILE, not a crash.
  s.log_file = (dir / "nested").string();  // a directory
  try {
    make_logger(s, "settings-test-bad");
    BOOST_FAIL("a directory was accepted as LOG_FILE");
  } catch (const config_error& e) {
    BOOST_TEST(std::string{e.what()}.rfind("LOG_FILE", 0) == 0u, e.what());
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
