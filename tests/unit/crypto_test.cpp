#include "actors/crypto.hpp"

#include <boost/test/unit_test.hpp>

using namespace commerce::actors;

BOOST_AUTO_TEST_SUITE(password_hashing)

BOOST_AUTO_TEST_CASE(argon2id_hash_verifies_only_the_right_password) {
  crypto::init();
  auto h = crypto::hash_password("correct horse 1");
  BOOST_TEST(h.rfind("$argon2id$", 0) == 0);
  BOOST_TEST(h.find("correct horse") == std::string::npos);
  BOOST_TEST(crypto::verify_password(h, "correct horse 1"));
  BOOST_TEST(!crypto::verify_password(h, "correct horse 2"));
  BOOST_TEST(!crypto::verify_password(h, ""));
}

BOOST_AUTO_TEST_CASE(each_hash_has_its_own_salt) {
  crypto::init();
  BOOST_TEST(crypto::hash_password("same password 1") != crypto::hash_password("same password 1"));
}

BOOST_AUTO_TEST_CASE(malformed_hashes_never_verify) {
  crypto::init();
  BOOST_TEST(!crypto::verify_password("", "x"));
  BOOST_TEST(!crypto::verify_password("plaintext", "plaintext"));
  BOOST_TEST(!crypto::verify_password(std::string(500, 'a'), "a"));
}

BOOST_AUTO_TEST_CASE(random_tokens_and_digests) {
  crypto::init();
  auto a = crypto::random_token(), b = crypto::random_token();
  BOOST_TEST(a.size() == 43u);
  BOOST_TEST(a != b);
  BOOST_TEST(crypto::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_SUITE_END()
