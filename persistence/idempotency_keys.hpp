// Idempotency-Key claims (API.md §4), for every endpoint that takes a key: a checkout claims
// its key inside the order's own transaction (key and order commit together), a payment or
// refund before its gateway call (completed with what it produced, released when it failed).
// One row per (user, endpoint, key) under a unique index: PostgreSQL arbitrates across nodes.
#pragma once

#include "persistence/pg.hpp"

#include <cstdint>
#include <string>

namespace commerce::persistence {

enum class key_claim { claimed, replay, reused, in_progress };
struct key_claim_result {
  key_claim outcome = key_claim::claimed;
  int64_t resource_id = 0;  ///< replay: the order, payment or refund the first request produced
};
/// Claims `key` for `request_hash`. Run inside a transaction, a concurrent claim of the same key
/// waits at the unique index until that transaction ends. `reused`: the key came with another
/// body; `in_progress`: its first request has not completed it yet.
key_claim_result claim_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint,
                                       const std::string& key, const std::string& request_hash);
void complete_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key,
                              int64_t resource_id);
void release_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key);

}  // namespace commerce::persistence
