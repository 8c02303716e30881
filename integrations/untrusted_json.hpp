// The one way to parse JSON that comes from outside: request bodies, tokens, gateway answers,
// webhooks. Iterative (no recursion in the parser), UTF-8 validated, and depth-limited while
// parsing: a document nested deeper than the limit is refused before it is built, so nothing
// downstream (canonicalisation, copies, rendering, field walks) ever meets unbounded nesting.
// It lives in integrations/, the layer that uses nothing, so both the providers and http/
// (which links it through actors/) share it.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace commerce::integrations {

/// Containers inside containers: `[]` is 1 level, `{"a":[1]}` is 2. Real API bodies and gateway
/// answers use fewer than 10.
inline constexpr unsigned max_json_depth = 64;

struct json_parse_result {
  enum class status { ok, syntax_error, too_deep };
  status outcome = status::ok;
  std::string message;  ///< why not, for people ("malformed JSON: ... at offset N")

  bool ok() const { return outcome == status::ok; }
  bool too_deep() const { return outcome == status::too_deep; }
};

/// Parses `text` into `doc`. On failure `doc` is left null and the result says why.
json_parse_result parse_untrusted_json(std::string_view text, rapidjson::Document& doc,
                                       unsigned max_depth = max_json_depth);

}  // namespace commerce::integrations
