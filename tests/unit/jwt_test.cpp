#include "actors/crypto.hpp"
#include "http/jwt.hpp"

#include <boost/test/unit_test.hpp>

#include <sodium.h>

using namespace commerce::http;

namespace {

const std::string secret = "unit-test-secret-unit-test-secret-0123456789";

std::string b64(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.pop_back();
  return out;
}

struct sodium_ready {
  sodium_ready() { commerce::actors::crypto::init(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(jwt, sodium_ready)

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_claim) {
  jwt_codec codec{secret};
  auto claims = codec.claims_for(42, 3, "access", 3600, 1'700'000'000);
  auto token = codec.sign(claims);
  auto back = codec.verify(token, "access", 1'700'000'100);
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(back->user_id == 42);
  BOOST_TEST(back->version == 3);
  BOOST_TEST(back->type == "access");
  BOOST_TEST(back->issued_at == 1'700'000'000);
  BOOST_TEST(back->expires_at == 1'700'003'600);
  BOOST_TEST(back->jti == claims.jti);
  BOOST_TEST(codec.claims_for(42, 3, "access", 1, 0).jti != claims.jti);
}

BOOST_AUTO_TEST_CASE(expiry_is_enforced_after_the_leeway) {
  jwt_codec codec{secret};
  auto token = codec.sign(codec.claims_for(1, 1, "access", 60, 1000));
  BOOST_TEST(codec.verify(token, "access", 1059).has_value());
  BOOST_TEST(codec.verify(token, "access", 1060 + jwt_codec::leeway_seconds - 1).has_value());
  std::string why;
  BOOST_TEST(!codec.verify(token, "access", 1060 + jwt_codec::leeway_seconds, &why).has_value());
  BOOST_TEST(why == "expired");
}

BOOST_AUTO_TEST_CASE(wrong_secret_is_rejected) {
  jwt_codec signer{secret};
  jwt_codec other{secret + "x"};
  auto token = signer.sign(signer.claims_for(1, 1, "access", 60, 1000));
  std::string why;
  BOOST_TEST(!other.verify(token, "access", 1000, &why).has_value());
  BOOST_TEST(why == "bad signature");
}

BOOST_AUTO_TEST_CASE(tampered_payload_is_rejected) {
  jwt_codec codec{secret};
  auto token = codec.sign(codec.claims_for(1, 1, "access", 60, 1000));
  auto first = token.find('.'), second = token.rfind('.');
  auto forged_payload = b64(R"({"sub":"2","typ":"access","iat":1000,"exp":999999999999,"jti":"x","ver":1})");
  auto forged = token.substr(0, first + 1) + forged_payload + token.substr(second);
  BOOST_TEST(!codec.verify(forged, "access", 1000).has_value());
  // One flipped signature character.
  auto flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  BOOST_TEST(!codec.verify(flipped, "access", 1000).has_value());
}

BOOST_AUTO_TEST_CASE(alg_none_and_other_algorithms_are_rejected) {
  jwt_codec codec{secret};
  auto payload = b64(R"({"sub":"1","typ":"access","iat":1000,"exp":999999999999,"jti":"x","ver":1})");
  std::string why;
  BOOST_TEST(!codec.verify(b64(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".", "access", 1000, &why));
  BOOST_TEST(why == "algorithm is not HS256");
  BOOST_TEST(!codec.verify(b64(R"({"alg":"HS512","typ":"JWT"})") + "." + payload + ".abc", "access", 1000));
}

BOOST_AUTO_TEST_CASE(token_type_must_match) {
  jwt_codec codec{secret};
  auto refresh = codec.sign(codec.claims_for(1, 1, "refresh", 60, 1000));
  BOOST_TEST(!codec.verify(refresh, "access", 1000).has_value());
  BOOST_TEST(codec.verify(refresh, "refresh", 1000).has_value());
}

BOOST_AUTO_TEST_CASE(malformed_tokens_are_rejected) {
  jwt_codec codec{secret};
  for (const char* bad : {"", ".", "..", "a.b", "a.b.c.d", "!!!.???.***", "eyJhbGciOiJIUzI1NiJ9..sig"})
    BOOST_TEST(!codec.verify(bad, "access", 1000).has_value(), "accepted: " << bad);
}

BOOST_AUTO_TEST_CASE(overlong_and_deeply_nested_tokens_are_rejected) {
  jwt_codec codec{secret};
  // Correctly signed, but far longer than any token we issue: refused before decoding.
  auto claims = codec.claims_for(1, 1, "access", 60, 1000);
  claims.jti = std::string(jwt_codec::max_token_bytes, 'j');
  std::string why;
  BOOST_TEST(!codec.verify(codec.sign(claims), "access", 1000, &why).has_value());
  BOOST_TEST(why == "longer than max_token_bytes");
  // A header nested past the JSON depth bound is no JSON header.
  auto deep = b64(std::string(100, '[') + std::string(100, ']'));
  BOOST_TEST(!codec.verify(deep + ".e30.c2ln", "access", 1000, &why).has_value());
  BOOST_TEST(why == "header is not JSON");
}

BOOST_AUTO_TEST_SUITE_END()
