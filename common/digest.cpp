#include "common/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <climits>
#include <stdexcept>

namespace commerce::common {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  if (key.size() > INT_MAX)
    throw std::length_error("hmac_sha256: key too long");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const char no_key[] = "";  // OpenSSL 3 refuses a null key pointer, even of length 0
  if (!HMAC(EVP_sha256(), key.data() ? key.data() : no_key, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), mac, &len))
    throw std::runtime_error("hmac_sha256: OpenSSL failed");
  return {reinterpret_cast<const char*>(mac), len};
}

std::string to_hex(std::string_view bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  hex.pop_back();
  return hex;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace commerce::common
