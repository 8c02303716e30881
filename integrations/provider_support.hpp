// What every provider file needs to speak its wire format: money as decimal text, lenient
// reading of JSON answers (numbers may arrive as strings, any Content-Type), the "is this a
// usable answer" check shared by all providers, form encoding and HTTP Basic credentials.
#pragma once

#include "integrations/email_gateway.hpp"
#include "integrations/gateway_client.hpp"
#include "integrations/payment_gateway.hpp"
#include "integrations/untrusted_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace commerce::integrations {

/// 12345 -> "123.45".
std::string money_text(int64_t minor);

/// ASCII lower case (carriers' status words).
std::string lower_case(std::string text);

/// A member as text: strings as they are, numbers written out; "" when absent or another type.
std::string json_text(const rapidjson::Value& object, const char* name);

/// A 2xx answer whose body is a JSON object, parsed into `doc` (parse_untrusted_json: a
/// provider's answer is outside data too); otherwise false, with the outcome (timeout or
/// gateway_error) and why in `detail`.
bool usable_answer(const outbound_response& r, rapidjson::Document& doc, gateway_outcome& outcome, std::string& detail);

/// Whether a charge or refund that got no usable answer may still have taken effect: it was
/// sent and then timed out or lost its connection, or the provider answered 5xx, 409 (the same
/// key still being processed) or a 2xx we cannot read. A connect failure or an open breaker
/// sent nothing; a 4xx is the provider refusing.
bool may_have_taken_effect(const outbound_response& r);

/// Sets `result.outcome_unknown` (and `refused`, for a 4xx) from the exchange when the answer
/// was not usable.
template <class Result>
Result with_unknown_flag(Result result, const outbound_response& r) {
  bool unusable = result.outcome == gateway_outcome::gateway_error || result.outcome == gateway_outcome::timeout;
  result.outcome_unknown = unusable && may_have_taken_effect(r);
  result.refused = unusable && r.failure == outbound_failure::none && r.status >= 400 && r.status < 500 && r.status != 409;
  return result;
}

/// A refund answer: accepted (with the provider's id and status, "pending" when it names none)
/// unless the exchange failed or the status is one of `refused_statuses`.
refund_result read_refund_answer(const outbound_response& reply, const std::vector<std::string>& refused_statuses,
                                 const std::string& provider);

/// An HTTP mailer's answer: any 2xx is accepted; otherwise why not.
send_result send_result_of(const outbound_response& reply);

/// "key": "value".
void write_text(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, const std::string& value);

/// "key": 123.45 (a JSON number written from minor units, never through a double).
void write_amount(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, int64_t minor);

/// {"key": "value", ...} for a map of strings (template data).
void write_string_map(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::map<std::string, std::string>& values);

/// application/x-www-form-urlencoded (common::percent_encode: a space is %20, which form
/// decoders read as they read '+').
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// The fields of an application/x-www-form-urlencoded body, decoded.
std::map<std::string, std::string> form_decode(const std::string& body);

/// Standard base64 (with padding).
std::string base64_text(const std::string& bytes);

/// A member that is a number or a numeric string (carriers send either) within ±1e15; nullopt
/// otherwise. No real amount, weight or day count is larger, and the bound keeps every
/// conversion of the value to int64 (minor units, days) defined.
std::optional<double> json_number(const rapidjson::Value& object, const char* name);

}  // namespace commerce::integrations
