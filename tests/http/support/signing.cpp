#include "tests/http/support/signing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace http_test {

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string b64url_encode(const std::string& data) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64_alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0)
    out += b64_alphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::string b64url_decode(const std::string& data) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : data) {
    const char* p = std::strchr(b64_alphabet, c);
    if (!p || c == '\0')
      throw std::runtime_error("not base64url: " + data);
    acc = (acc << 6) | static_cast<uint32_t>(p - b64_alphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return {reinterpret_cast<const char*>(mac), len};
}

std::string b64_encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string hex_encode(const std::string& data) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const std::string& secret) {
  std::string input = b64url_encode(header_json) + "." + b64url_encode(payload_json);
  return input + "." + b64url_encode(hmac_sha256(secret, input));
}

std::string jwt_payload(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    throw std::runtime_error("not a JWT: " + token);
  return b64url_decode(token.substr(first + 1, second - first - 1));
}


}  // namespace http_test
