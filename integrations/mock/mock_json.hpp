// Untrusted JSON in commerce-mock (control requests, stubs files, request bodies matched against
// JSON expectations): parsed without recursion and refused past a nesting limit, so nothing
// downstream (copying, rendering, matching) can recurse deeper than that.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

namespace commerce::mock {

/// The deepest nesting accepted anywhere in the mock (the root object or array is level 1).
constexpr std::size_t max_json_depth = 64;

enum class json_parse_status { ok, invalid, too_deep };

/// Parses `text` into `out` with RapidJSON's iterative parser, counting open objects and arrays
/// and stopping at once when they exceed `max_depth`. On failure `out` is left null.
json_parse_status parse_bounded_json(std::string_view text, rapidjson::Document& out,
                                     std::size_t max_depth = max_json_depth);

/// True when `v` nests deeper than `max_depth` levels (checked with an explicit stack), for
/// values that did not come through parse_bounded_json.
bool nests_deeper_than(const rapidjson::Value& v, std::size_t max_depth = max_json_depth);

}  // namespace commerce::mock
