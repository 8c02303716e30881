#include "integrations/mock/mock_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <iostream>

namespace commerce::mock {

namespace {

struct code_free {
  void operator()(pcre2_code* p) const { pcre2_code_free(p); }
};
struct match_context_free {
  void operator()(pcre2_match_context* p) const { pcre2_match_context_free(p); }
};
struct match_data_free {
  void operator()(pcre2_match_data* p) const { pcre2_match_data_free(p); }
};
using code_ptr = std::unique_ptr<pcre2_code, code_free>;
using match_context_ptr = std::unique_ptr<pcre2_match_context, match_context_free>;
using match_data_ptr = std::unique_ptr<pcre2_match_data, match_data_free>;

// PCRE2's default match limit (a few tenths of a second of backtracking at most, measured on a
// 2 MiB subject); depth and heap limits far above what a path, header or body pattern needs, far
// below what would hurt. PCRE2 10.30+ keeps backtracking frames on the heap, never on the stack.
constexpr uint32_t match_limit = 10'000'000;
constexpr uint32_t depth_limit = 100'000;
constexpr uint32_t heap_limit_kib = 32 * 1024;

std::string error_text(int code) {
  PCRE2_UCHAR buffer[256];
  int n = pcre2_get_error_message(code, buffer, sizeof buffer);
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string{reinterpret_cast<const char*>(buffer)};
}

}  // namespace

struct compiled_regex::state {
  code_ptr code;
  match_context_ptr limits;  ///< read-only during pcre2_match, so one per pattern serves every thread
};

std::optional<compiled_regex> compiled_regex::compile(std::string_view pattern, regex_dialect dialect,
                                                      std::string* error) {
  // Java's Matcher.matches() is a whole-value match: anchored at both ends. No UTF mode: the
  // subject is raw bytes (a decoded path need not be UTF-8), and Java's default case folding is
  // ASCII-only anyway.
  uint32_t options = PCRE2_ANCHORED | PCRE2_ENDANCHORED;
  if (dialect == regex_dialect::mockserver)
    options |= PCRE2_DOTALL | PCRE2_CASELESS;
  int code = 0;
  PCRE2_SIZE offset = 0;
  code_ptr compiled{pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &code,
                                  &offset, nullptr)};
  if (!compiled) {
    if (error)
      *error = error_text(code) + " at offset " + std::to_string(offset);
    return std::nullopt;
  }
  match_context_ptr limits{pcre2_match_context_create(nullptr)};
  if (!limits)
    throw std::bad_alloc();
  pcre2_set_match_limit(limits.get(), match_limit);
  pcre2_set_depth_limit(limits.get(), depth_limit);
  pcre2_set_heap_limit(limits.get(), heap_limit_kib);
  auto s = std::make_shared<state>();
  s->code = std::move(compiled);
  s->limits = std::move(limits);
  return compiled_regex{std::move(s), std::string{pattern}};
}

bool compiled_regex::full_match(std::string_view subject) const {
  match_data_ptr data{pcre2_match_data_create(1, nullptr)};  // per call: match data is not shareable
  if (!data)
    throw std::bad_alloc();
  int rc = pcre2_match(state_->code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       data.get(), state_->limits.get());
  if (rc >= 0)
    return true;
  if (rc != PCRE2_ERROR_NOMATCH) {
    // One write, so lines from concurrent requests do not interleave.
    std::cerr << "commerce-mock: regex \"" + pattern_.substr(0, 200) + "\" gave up on a " +
                   std::to_string(subject.size()) + "-byte value (" + error_text(rc) + "); treated as no match\n";
  }
  return false;
}

}  // namespace commerce::mock
