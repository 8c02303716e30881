// The catalog's listing cache is bounded in bytes as well as in entries (issue 8, point 5).
#include "actors/listing_cache.hpp"

#include <boost/test/unit_test.hpp>

using commerce::actors::listing_cache;
using commerce::persistence::product_page;
using namespace std::chrono_literals;

namespace {

/// A page of `rows` products whose descriptions are `description_bytes` long.
std::shared_ptr<const product_page> page_of(int rows, size_t description_bytes) {
  product_page p;
  p.count = rows;
  for (int i = 0; i < rows; ++i) {
    commerce::persistence::product_record r;
    r.id = i + 1;
    r.name = "Product " + std::to_string(i);
    r.description = std::string(description_bytes, 'd');
    r.sku = "SKU-" + std::to_string(i);
    p.rows.push_back(r);
  }
  return std::make_shared<const product_page>(std::move(p));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listing_cache_bounds)

BOOST_AUTO_TEST_CASE(large_pages_are_bounded_by_bytes_oldest_first) {
  const size_t budget = 1 << 20;  // 1 MiB
  listing_cache cache{budget, 1024};
  auto now = listing_cache::clock::now();
  auto big = page_of(20, 20 * 1024);  // ~400 KiB a page
  for (int i = 0; i < 10; ++i) {
    cache.put("page" + std::to_string(i), big, now + std::chrono::milliseconds(i));
    BOOST_TEST(cache.bytes() <= budget, "after page " << i << ": " << cache.bytes() << " bytes");
  }
  BOOST_TEST(cache.size() == 2u, "two 400 KiB pages fit in 1 MiB, got " << cache.size());
  BOOST_TEST(!cache.find("page0", 1h, now), "the oldest page should have been evicted");
  BOOST_TEST(cache.find("page9", 1h, now) != nullptr, "the newest page should be kept");
  BOOST_TEST(cache.find("page8", 1h, now) != nullptr);
}

BOOST_AUTO_TEST_CASE(a_page_larger_than_the_budget_is_not_kept) {
  listing_cache cache{64 * 1024, 1024};
  auto now = listing_cache::clock::now();
  cache.put("small", page_of(2, 100), now);
  cache.put("huge", page_of(10, 100 * 1024), now);
  BOOST_TEST(!cache.find("huge", 1h, now));
  BOOST_TEST(cache.find("small", 1h, now) != nullptr, "a page too large to keep must not evict the others");
  BOOST_TEST(cache.bytes() <= 64u * 1024);
}

BOOST_AUTO_TEST_CASE(entries_are_bounded_too_and_accounting_stays_exact) {
  listing_cache cache{1 << 30, 3};
  auto now = listing_cache::clock::now();
  for (int i = 0; i < 5; ++i)
    cache.put("k" + std::to_string(i), page_of(1, 10), now);
  BOOST_TEST(cache.size() == 3u);
  BOOST_TEST(!cache.find("k1", 1h, now));
  BOOST_TEST(cache.find("k4", 1h, now) != nullptr);
  // Replacing a key does not count it twice; clearing frees everything.
  auto before = cache.bytes();
  cache.put("k4", page_of(1, 10), now);
  BOOST_TEST(cache.bytes() == before);
  BOOST_TEST(cache.size() == 3u);
  cache.clear();
  BOOST_TEST(cache.bytes() == 0u);
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(entries_expire_after_the_ttl) {
  listing_cache cache;
  auto now = listing_cache::clock::now();
  cache.put("k", page_of(1, 10), now);
  BOOST_TEST(cache.find("k", 1s, now + 500ms) != nullptr);
  BOOST_TEST(!cache.find("k", 1s, now + 1s));
}

BOOST_AUTO_TEST_SUITE_END()
