// MockServer's regexes (java.util.regex syntax) on PCRE2: compiled once, matched against the
// whole value, with match, depth and heap limits, so a hostile pattern or a megabyte of subject
// costs bounded time and memory (std::regex recursed once per character and overflowed the stack).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::mock {

/// How a pattern is compiled: MockServer's string and body matchers are case-insensitive and
/// DOTALL; JsonUnit's ${json-unit.regex} is Pattern.compile() with no flags.
enum class regex_dialect { mockserver, json_unit };

class compiled_regex {
public:
  /// nullopt when `pattern` is not a valid regex; `error` (if given) then says why.
  static std::optional<compiled_regex> compile(std::string_view pattern, regex_dialect dialect,
                                               std::string* error = nullptr);

  /// Matcher.matches(): the whole subject, not a part of it. A match that hits a limit is no
  /// match (and is logged on stderr).
  bool full_match(std::string_view subject) const;

  const std::string& pattern() const { return pattern_; }

private:
  struct state;
  explicit compiled_regex(std::shared_ptr<const state> s, std::string pattern)
    : state_(std::move(s)), pattern_(std::move(pattern)) {}
  std::shared_ptr<const state> state_;  ///< immutable once compiled: shared by copies and threads
  std::string pattern_;
};

}  // namespace commerce::mock
