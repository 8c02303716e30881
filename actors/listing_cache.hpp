// The catalog's recent listings, by query: whole pages (product lists and search results), and
// match lists (a query's matching ids in order, from which its other pages are cut). Listings
// are the catalog's hottest reads and change rarely. Each cache is bounded twice: in entries and
// in bytes, since one page of long descriptions can weigh megabytes; the oldest entries go first.
#pragma once

#include "persistence/catalog_repository.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace commerce::actors {

/// What a cached value costs in memory, roughly: itself and every string or array it holds.
size_t bytes_of(const persistence::product_page& page);
size_t bytes_of(const std::shared_ptr<const persistence::product_page>& page);
size_t bytes_of(const persistence::product_matches& matches);

template <class Value>
class bounded_cache {
public:
  using clock = std::chrono::steady_clock;
  static constexpr size_t default_max_entries = 8192;

  explicit bounded_cache(size_t max_bytes = 32 << 20, size_t max_entries = default_max_entries)
    : max_bytes_(max_bytes), max_entries_(max_entries) {}

  /// The value cached under `key` if it is younger than `ttl`, else nullptr.
  const Value* find(const std::string& key, clock::duration ttl, clock::time_point now) const;
  /// Keeps `value` under `key`, evicting the oldest entries until it fits; a value larger than
  /// the whole budget is not kept.
  void put(const std::string& key, const Value& value, clock::time_point now);
  void clear();

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

private:
  struct entry {
    clock::time_point at;
    Value value;
    size_t bytes = 0;
    std::list<std::string>::iterator age;  ///< position in oldest_first_
  };
  using map = std::unordered_map<std::string, entry>;
  void erase(typename map::iterator it);

  size_t max_bytes_;
  size_t max_entries_;
  size_t bytes_ = 0;
  map entries_;
  std::list<std::string> oldest_first_;
};

// Defined in listing_cache.cpp for these two only.
extern template class bounded_cache<std::shared_ptr<const persistence::product_page>>;
extern template class bounded_cache<persistence::product_matches>;

/// Pages are shared with the replies that carry them: a hit copies no row.
using listing_cache = bounded_cache<std::shared_ptr<const persistence::product_page>>;
using match_cache = bounded_cache<persistence::product_matches>;

}  // namespace commerce::actors
