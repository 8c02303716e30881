#include "persistence/idempotency_keys.hpp"

namespace commerce::persistence {

key_claim_result claim_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint,
                                       const std::string& key, const std::string& request_hash) {
  auto claimed = c.exec("INSERT INTO idempotency_keys (user_id, endpoint, key, request_hash) "
                        "VALUES ($1::bigint, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                        {pg::to_param(user_id), endpoint, key, request_hash});
  if (!claimed.empty())
    return {key_claim::claimed, 0};
  auto prior = c.exec("SELECT request_hash, resource_id FROM idempotency_keys "
                      "WHERE user_id = $1::bigint AND endpoint = $2 AND key = $3",
                      {pg::to_param(user_id), endpoint, key});
  if (prior.empty())  // released between the two statements: the caller may try again
    return {key_claim::in_progress, 0};
  auto in = prior.row(0);
  if (in.str() != request_hash)
    return {key_claim::reused, 0};
  auto resource = in.opt_int64();
  if (!resource)
    return {key_claim::in_progress, 0};
  return {key_claim::replay, *resource};
}

void complete_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key,
                              int64_t resource_id) {
  c.exec("UPDATE idempotency_keys SET resource_id = $4::bigint WHERE user_id = $1::bigint AND endpoint = $2 AND key = $3",
         {pg::to_param(user_id), endpoint, key, pg::to_param(resource_id)});
}

void release_idempotency_key(pg::connection& c, int64_t user_id, const std::string& endpoint, const std::string& key) {
  c.exec("DELETE FROM idempotency_keys WHERE user_id = $1::bigint AND endpoint = $2 AND key = $3 AND resource_id IS NULL",
         {pg::to_param(user_id), endpoint, key});
}

}  // namespace commerce::persistence
