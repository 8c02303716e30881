// HS256 JSON Web Tokens, written on OpenSSL's one-shot HMAC and libsodium's base64url rather
// than libjwt: we accept exactly one algorithm and five claims, and the ~80 lines here are
// easier to audit than a general JOSE library's configuration (alg confusion, "none").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::http {

struct token_claims {
  int64_t user_id = 0;   ///< "sub", a decimal string on the wire
  std::string type;      ///< "typ": "access" or "refresh"
  int64_t issued_at = 0;   ///< "iat", seconds since the epoch
  int64_t expires_at = 0;  ///< "exp"
  std::string jti;
  int32_t version = 0;  ///< "ver": the user's token version when issued
};

class jwt_codec {
public:
  /// Clock skew tolerated on "exp" (API.md allows at most 60 s).
  static constexpr int64_t leeway_seconds = 30;
  /// Ours are about 250 bytes; anything much longer is refused before it is decoded.
  static constexpr size_t max_token_bytes = 4096;

  explicit jwt_codec(std::string secret) : secret_(std::move(secret)) {}

  token_claims claims_for(int64_t user_id, int32_t version, std::string type, int64_t ttl_seconds, int64_t now) const;
  std::string sign(const token_claims& c) const;

  /// The claims of a well-formed, correctly signed HS256 token of `expected_type` that has not
  /// expired at `now`; otherwise nullopt and, if `why` is given, the reason (for logs, not clients).
  std::optional<token_claims> verify(std::string_view token, std::string_view expected_type, int64_t now,
                                     std::string* why = nullptr) const;

private:
  std::string secret_;
};

int64_t unix_now();

}  // namespace commerce::http
