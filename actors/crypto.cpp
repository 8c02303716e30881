#include "actors/crypto.hpp"
#include "common/digest.hpp"

#include <sodium.h>

#include <stdexcept>

namespace commerce::actors::crypto {

namespace {

constexpr auto ops_limit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr auto mem_limit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

const std::string& dummy_hash() {
  static const std::string h = hash_password("dummy-password-for-timing-1");
  return h;
}

}  // namespace

void init() {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium failed to initialise");
  (void)dummy_hash();
}

std::string hash_password(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_limit, mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& encoded_hash, const std::string& password) {
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES)
    return false;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

void verify_dummy_password(const std::string& password) { (void)verify_password(dummy_hash(), password); }

std::string random_token() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return common::to_hex({reinterpret_cast<const char*>(digest), sizeof digest});
}

}  // namespace commerce::actors::crypto
