#include "actors/user_rules.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::actors::rules;

BOOST_AUTO_TEST_SUITE(user_rules)

BOOST_AUTO_TEST_CASE(emails_are_trimmed_and_lower_cased) {
  BOOST_TEST(normalize_email("  Ann.Lee+shop@Example.COM \n") == "ann.lee+shop@example.com");
  BOOST_TEST(normalize_email("   ") == "");
}

BOOST_AUTO_TEST_CASE(email_format) {
  for (const char* good : {"a@b.co", "first.last@example.com", "x_y+z-1@sub.domain.ru", "1@2.io"})
    BOOST_TEST(!check_email(good).has_value(), good);
  for (const char* bad : {"", "plain", "@example.com", "a@", "a@b", "a@b.c", "a@@b.com", "a b@c.com",
                          ".a@b.com", "a.@b.com", "a..b@c.com", "a@-b.com", "a@b-.com", "a@b.c0m", "a@b..com",
                          "a\"@b.com"})
    BOOST_TEST(check_email(bad).has_value(), bad);
  BOOST_TEST(check_email(std::string(250, 'a') + "@b.com").has_value());
}

BOOST_AUTO_TEST_CASE(password_policy) {
  BOOST_TEST(!check_password("secret123", "a@b.co").has_value());
  BOOST_TEST(*check_password("abc123", "") == "must be at least 8 characters");
  BOOST_TEST(*check_password("abcdefgh", "") == "must contain at least one letter and one digit");
  BOOST_TEST(*check_password("12345678", "") == "must contain at least one letter and one digit");
  BOOST_TEST(check_password(std::string(129, 'a') + "1", "").has_value());
  BOOST_TEST(!check_password(std::string(127, 'a') + "1", "").has_value());
  BOOST_TEST(*check_password("User1@Example.com", "user1@example.com") == "must not be the email address");
  // Length counts characters, not bytes: seven Cyrillic letters and a digit are 8 characters.
  BOOST_TEST(!check_password("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb8" "1", "").has_value());
}

BOOST_AUTO_TEST_CASE(phone_is_e164) {
  BOOST_TEST(!check_phone("+79001234567").has_value());
  BOOST_TEST(!check_phone("+1234567890").has_value());
  BOOST_TEST(!check_phone("+123456789012345").has_value());
  for (const char* bad : {"", "79001234567", "+123456789", "+1234567890123456", "+7900123456a", "+7 900 123 45 67"})
    BOOST_TEST(check_phone(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(names_up_to_150_characters) {
  BOOST_TEST(!check_name(std::string(150, 'x')).has_value());
  BOOST_TEST(check_name(std::string(151, 'x')).has_value());
  std::string cyrillic;
  for (int i = 0; i < 150; ++i)
    cyrillic += "\xd0\xaf";
  BOOST_TEST(!check_name(cyrillic).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
