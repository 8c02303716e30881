// Test support: JWTs and webhook signatures made by hand (to test the server's checks).
#pragma once

#include <string>

namespace http_test {

std::string b64url_encode(const std::string& data);
std::string b64url_decode(const std::string& data);  ///< throws on bad input
/// Raw HMAC-SHA256 (webhook signatures made by hand), as base64 with padding, and as hex.
std::string hmac_sha256(const std::string& key, const std::string& data);
std::string b64_encode(const std::string& data);
std::string hex_encode(const std::string& data);
/// header.payload.signature with HS256 over `secret` (the header is given as JSON text).
std::string sign_jwt(const std::string& header_json, const std::string& payload_json, const std::string& secret);
/// The decoded payload JSON of a token.
std::string jwt_payload(const std::string& token);

}  // namespace http_test
