// The bodies and query parameters of commerce-mock's control requests (PUT /mockserver/verify,
// /verifySequence, /retrieve, /clear), read into the state's terms the way MockServer 5.x reads
// them, plus the forms MockServer's own JS client sends (an expectation id as a plain string,
// "" for no request matcher). Every function throws bad_request naming what is wrong.
#pragma once

#include "integrations/mock/mock_state.hpp"

#include <optional>
#include <string>

namespace commerce::mock {

/// {"httpRequest": matcher | "expectationId": {"id": ...} | "...", "times": {atLeast, atMost} |
/// {count, exact}, "maximumNumberOfRequestToReturnInVerificationFailure": n}. No times: exactly once.
verification parse_verification(const rapidjson::Value& body);
/// {"httpRequests": [matcher...]} or {"expectationIds": [{"id": ...} | "..."...]}.
verification_sequence parse_verification_sequence(const rapidjson::Value& body);
/// A retrieve or clear filter: a request matcher, or one wrapped in {"httpRequest": ...}; null,
/// "" and {} select everything (nullopt).
std::optional<request_matcher> parse_filter(const rapidjson::Value& body);
/// A clear body: {"id": "..."} (an expectation id) or a filter as parse_filter reads it.
clear_target parse_clear_target(const rapidjson::Value& body);
/// ?type= of retrieve (default REQUESTS) and clear (default ALL), in any case.
retrieve_type parse_retrieve_type(const std::string& type);
clear_type parse_clear_type(const std::string& type);

}  // namespace commerce::mock
