// The catalog's recent listing pages (product lists and search results), by query. Listings
// are the catalog's hottest reads and change rarely. The cache is bounded twice: in entries and
// in bytes, since one page of long descriptions can weigh megabytes; the oldest pages go first.
#pragma once

#include "persistence/catalog_repository.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

namespace commerce::actors {

class listing_cache {
public:
  using clock = std::chrono::steady_clock;
  static constexpr size_t default_max_entries = 1024;

  explicit listing_cache(size_t max_bytes = 8 << 20, size_t max_entries = default_max_entries)
    : max_bytes_(max_bytes), max_entries_(max_entries) {}

  /// The page cached under `key` if it is younger than `ttl`, else nullptr.
  const persistence::product_page* find(const std::string& key, clock::duration ttl, clock::time_point now) const;
  /// Keeps `page` under `key`, evicting the oldest pages until it fits; a page larger than the
  /// whole budget is not kept.
  void put(const std::string& key, const persistence::product_page& page, clock::time_point now);
  void clear();

  size_t size() const { return pages_.size(); }
  size_t bytes() const { return bytes_; }

  /// What an entry costs in memory, roughly: the key, the rows and every string they hold.
  static size_t bytes_of(const std::string& key, const persistence::product_page& page);

private:
  struct entry {
    clock::time_point at;
    persistence::product_page page;
    size_t bytes = 0;
    std::list<std::string>::iterator age;  ///< position in oldest_first_
  };
  void erase(std::unordered_map<std::string, entry>::iterator it);

  size_t max_bytes_;
  size_t max_entries_;
  size_t bytes_ = 0;
  std::unordered_map<std::string, entry> pages_;
  std::list<std::string> oldest_first_;
};

}  // namespace commerce::actors
