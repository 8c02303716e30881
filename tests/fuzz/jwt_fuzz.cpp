// The JWT decoder: raw tokens as a client may send them, and (first byte odd) header and payload
// JSON signed here with the server's secret, so the claims reach the parser and the checks
// behind the signature.
#include "common/digest.hpp"
#include "http/jwt.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <sodium.h>

#include <string>

using namespace commerce;

namespace {

const std::string secret = "fuzz-jwt-secret-0123456789-abcdefghijklmnop";

std::string b64url(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string signed_token(const std::string& header, const std::string& payload) {
  auto input = b64url(header) + "." + b64url(payload);
  return input + "." + b64url(common::hmac_sha256(secret, input));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  fuzz::input in{data, size};
  http::jwt_codec codec{secret};
  std::string why;
  if (in.byte() % 2 == 0) {
    codec.verify(in.rest(), "access", 1'700'000'000, &why);
    return 0;
  }
  // "<header JSON>\n<payload JSON>"; a missing header is the usual one.
  auto text = in.rest();
  auto newline = text.find('\n');
  auto header = newline == std::string::npos ? std::string{R"({"alg":"HS256","typ":"JWT"})"} : text.substr(0, newline);
  auto payload = newline == std::string::npos ? text : text.substr(newline + 1);
  auto claims = codec.verify(signed_token(header, payload), "access", 1'700'000'000, &why);
  if (claims && (claims->user_id <= 0 || claims->type != "access"))
    __builtin_trap();  // verify() promised both
  return 0;
}
