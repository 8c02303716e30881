// Page-number pagination (API.md §3.2): ?page (>= 1) and ?page_size (default 20, clamped to
// 100), and the {count, next, previous, results} envelope with absolute next/previous URLs.
#pragma once

#include "actors/problem.hpp"
#include "http/json.hpp"
#include "http/pistache_compat.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace commerce::http {

struct request_context;

struct page_request {
  int64_t page = 1;
  int64_t size = 20;
  int64_t offset() const { return (page - 1) * size; }
};

/// Reads page and page_size from the query; a value that is not a positive integer is an error.
page_request read_page(const std::map<std::string, std::string>& query, actors::field_errors& bad);

/// Writes the envelope; `write_item(i)` writes the i-th result.
void write_page(json::writer& w, const request_context& ctx, const page_request& p, int64_t count, size_t rows,
                const std::function<void(size_t)>& write_item);

/// Well-formed UTF-8 with no NUL: what may reach a SQL parameter.
bool clean_text(const std::string& s);

}  // namespace commerce::http
