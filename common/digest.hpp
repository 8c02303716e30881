// Message authentication for every layer: HMAC-SHA256 (OpenSSL), lower-case hex (libsodium) and
// a constant-time comparison. JWTs (http/) and webhook signatures (integrations/) sign with the
// same HMAC; request hashes, ids and signatures print with the same hex.
#pragma once

#include <string>
#include <string_view>

namespace commerce::common {

/// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hexadecimal, two digits per byte.
std::string to_hex(std::string_view bytes);

/// Whether `a` and `b` are equal, comparing every byte (no early exit that would leak how long a
/// prefix of a signature matched). Only the lengths are compared in the open.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace commerce::common
