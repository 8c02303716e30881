#include "actors/listing_cache.hpp"

namespace commerce::actors {

size_t bytes_of(const persistence::product_page& page) {
  size_t total = sizeof(page);
  for (const auto& p : page.rows)
    total += sizeof(p) + p.name.size() + p.description.size() + p.sku.size() + p.created_at.size() +
             p.updated_at.size();
  return total;
}

size_t bytes_of(const std::shared_ptr<const persistence::product_page>& page) { return page ? bytes_of(*page) : 0; }

size_t bytes_of(const persistence::product_matches& matches) {
  return sizeof(matches) + matches.ids.size() * sizeof(matches.ids[0]);
}

template <class Value>
const Value* bounded_cache<Value>::find(const std::string& key, clock::duration ttl, clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.at >= ttl)
    return nullptr;
  return &it->second.value;
}

template <class Value>
void bounded_cache<Value>::put(const std::string& key, const Value& value, clock::time_point now) {
  if (auto old = entries_.find(key); old != entries_.end())
    erase(old);
  // Two copies of the key (map and age list) plus node overheads, then the value.
  auto cost = 2 * key.size() + sizeof(entry) + 64 + bytes_of(value);
  if (cost > max_bytes_ || max_entries_ == 0)
    return;
  while (!oldest_first_.empty() && (bytes_ + cost > max_bytes_ || entries_.size() >= max_entries_))
    erase(entries_.find(oldest_first_.front()));
  oldest_first_.push_back(key);
  entries_.emplace(key, entry{now, value, cost, std::prev(oldest_first_.end())});
  bytes_ += cost;
}

template <class Value>
void bounded_cache<Value>::clear() {
  entries_.clear();
  oldest_first_.clear();
  bytes_ = 0;
}

template <class Value>
void bounded_cache<Value>::erase(typename map::iterator it) {
  bytes_ -= it->second.bytes;
  oldest_first_.erase(it->second.age);
  entries_.erase(it);
}

template class bounded_cache<std::shared_ptr<const persistence::product_page>>;
template class bounded_cache<persistence::product_matches>;

}  // namespace commerce::actors
