// The helpers below the layers: percent-encoding, decoding and URL parsing on libcurl,
// HMAC-SHA256, hex and the constant-time comparison.
#include "common/digest.hpp"
#include "common/url.hpp"

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <stdexcept>
#include <string>

using namespace commerce::common;

namespace {

/// The encoder http/pagination.cpp and integrations/provider_support.cpp each carried before
/// libcurl's: what the links and form bodies looked like, byte for byte.
std::string hand_written_encoder(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(common_suite)

BOOST_AUTO_TEST_CASE(percent_encoding_is_byte_for_byte_what_it_was) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c)
    every_byte += static_cast<char>(c);
  BOOST_TEST(percent_encode(every_byte) == hand_written_encoder(every_byte));
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    BOOST_TEST(percent_encode(one) == hand_written_encoder(one), "byte " << c);
  }
  BOOST_TEST(percent_encode("") == "");
  BOOST_TEST(percent_encode("a b+c&d=é~._-") == "a%20b%2Bc%26d%3D%C3%A9~._-");
  BOOST_TEST(percent_encode(std::string{"nul\0inside", 10}) == "nul%00inside");
}

BOOST_AUTO_TEST_CASE(percent_decoding_keeps_what_is_not_an_escape) {
  BOOST_TEST(percent_decode("a%20b+c%2Fd%") == "a b c/d%");
  BOOST_TEST(percent_decode("a+b%2B", false) == "a+b+");
  BOOST_TEST(percent_decode("%2B+") == "+ ");
  BOOST_TEST(percent_decode("%4") == "%4");
  BOOST_TEST(percent_decode("%zz%41") == "%zzA");
  BOOST_TEST(percent_decode("%c3%a9") == "\xc3\xa9");
  BOOST_TEST(percent_decode("nul%00inside") == std::string("nul\0inside", 10));
  BOOST_TEST(percent_decode("") == "");
  std::string every_byte;
  for (int c = 0; c < 256; ++c)
    every_byte += static_cast<char>(c);
  BOOST_TEST(percent_decode(percent_encode(every_byte), false) == every_byte);
}

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc_4231) {
  // RFC 4231, test cases 1 and 2.
  BOOST_TEST(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_TEST(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  BOOST_TEST(hmac_sha256("", "").size() == 32u);
  BOOST_TEST(hmac_sha256({}, {}) == hmac_sha256("", ""));
}

BOOST_AUTO_TEST_CASE(hex_and_constant_time_comparison) {
  BOOST_TEST(to_hex("") == "");
  BOOST_TEST(to_hex(std::string{"\x00\x0f\xa0\xff", 4}) == "000fa0ff");
  BOOST_TEST(equal_in_constant_time("abc", "abc"));
  BOOST_TEST(!equal_in_constant_time("abc", "abd"));
  BOOST_TEST(!equal_in_constant_time("abc", "abcd"));
  BOOST_TEST(equal_in_constant_time("", ""));
}

BOOST_AUTO_TEST_CASE(urls_are_read_by_libcurl) {
  auto u = parse_url("postgres://us%40er:p%3Ass@[::1]:5432/db%20name?sslmode=require");
  BOOST_TEST(u.scheme == "postgres");
  BOOST_TEST(u.user == "us@er");
  BOOST_TEST(u.password.value_or("(none)") == "p:ss");
  BOOST_TEST(u.host == "::1");
  BOOST_TEST(u.port.value_or(-1) == 5432);
  BOOST_TEST(u.path == "/db name");
  BOOST_TEST(u.query == "sslmode=require");

  auto bare = parse_url("redis://cache");
  BOOST_TEST(bare.user == "");
  BOOST_TEST(!bare.password.has_value());
  BOOST_TEST(!bare.port.has_value());
  BOOST_TEST(bare.path == "/");
  BOOST_TEST(bare.query == "");

  BOOST_TEST(parse_url("redis://[fe80::1%25eth0]:6379").host == "fe80::1%eth0");

  for (const char* bad : {"", "no scheme", "redis://", "redis://host:99999", "redis://ho st", "redis://[::1"})
    BOOST_CHECK_THROW(parse_url(bad), std::invalid_argument);
  try {
    parse_url("redis://:top-secret@host:notaport");
    BOOST_FAIL("accepted a port that is not a number");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string{e.what()}.find("top-secret") == std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
