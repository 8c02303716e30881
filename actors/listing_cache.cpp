#include "actors/listing_cache.hpp"

namespace commerce::actors {

const persistence::product_page* listing_cache::find(const std::string& key, clock::duration ttl,
                                                     clock::time_point now) const {
  auto it = pages_.find(key);
  if (it == pages_.end() || now - it->second.at >= ttl)
    return nullptr;
  return &it->second.page;
}

void listing_cache::put(const std::string& key, const persistence::product_page& page, clock::time_point now) {
  if (auto old = pages_.find(key); old != pages_.end())
    erase(old);
  auto cost = bytes_of(key, page);
  if (cost > max_bytes_ || max_entries_ == 0)
    return;
  while (!oldest_first_.empty() && (bytes_ + cost > max_bytes_ || pages_.size() >= max_entries_))
    erase(pages_.find(oldest_first_.front()));
  oldest_first_.push_back(key);
  pages_.emplace(key, entry{now, page, cost, std::prev(oldest_first_.end())});
  bytes_ += cost;
}

void listing_cache::clear() {
  pages_.clear();
  oldest_first_.clear();
  bytes_ = 0;
}

void listing_cache::erase(std::unordered_map<std::string, entry>::iterator it) {
  bytes_ -= it->second.bytes;
  oldest_first_.erase(it->second.age);
  pages_.erase(it);
}

size_t listing_cache::bytes_of(const std::string& key, const persistence::product_page& page) {
  // Two copies of the key (map and age list) plus node overheads, then the rows.
  size_t total = 2 * key.size() + sizeof(entry) + 64;
  for (const auto& p : page.rows)
    total += sizeof(p) + p.name.size() + p.description.size() + p.sku.size() + p.created_at.size() +
             p.updated_at.size();
  return total;
}

}  // namespace commerce::actors
