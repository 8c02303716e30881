// Secrets for the user domain, on libsodium: password storage with Argon2id (crypto_pwhash_str,
// interactive limits: ~50 ms and 64 MiB per call here; these calls block, so run them on the
// crypto pool only), random tokens, and the SHA-256 under which one-time tokens are stored.
#pragma once

#include <string>

namespace commerce::actors::crypto {

/// Initialises libsodium; call once before any thread hashes. Throws if it cannot.
void init();

/// An encoded Argon2id hash with a fresh salt ("$argon2id$v=19$m=...").
std::string hash_password(const std::string& password);

/// Constant-time check of `password` against an encoded hash; false for a malformed hash.
bool verify_password(const std::string& encoded_hash, const std::string& password);

/// Burns the same time as verify() for a user that does not exist, so login timing does not
/// tell which e-mails are registered.
void verify_dummy_password(const std::string& password);

/// 32 random bytes, base64url without padding (43 characters).
std::string random_token();

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace commerce::actors::crypto
