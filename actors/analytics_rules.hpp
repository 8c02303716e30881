// The analytics domain's rules: what an event type may be, and the ISO-8601 times of the
// statistics window (API.md §0: timestamps are ISO-8601 UTC).
#pragma once

#include "actors/problem.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::actors::analytics_rules {

/// The largest event accepted, in bytes of the request body (larger: 413).
constexpr size_t max_event_bytes = 16 * 1024;

/// `^[a-z0-9_]{1,64}$`; nullopt when fine, else why not.
std::optional<std::string> check_type(std::string_view type);

/// The types the statistics and the documentation name. Any other type matching the pattern is
/// accepted and stored too.
bool is_known_type(std::string_view type);

/// "2024-05-01T12:00:00Z", with optional fractions of a second (up to microseconds), a `+HH:MM`,
/// `-HH:MM`, `+HHMM` or `Z` zone (none: UTC; a space where `+` was, as a form-encoded `+` arrives),
/// or a date alone ("2024-05-01", midnight UTC). Microseconds since the Unix epoch, or nullopt.
std::optional<int64_t> parse_iso8601(std::string_view text);

/// Microseconds since the epoch as "2024-05-01T12:00:00.123456Z".
std::string format_iso8601(int64_t micros);

/// The statistics window [from, to): either end may be open; to must not be before from.
problem check_window(const std::optional<int64_t>& from_us, const std::optional<int64_t>& to_us);

}  // namespace commerce::actors::analytics_rules
