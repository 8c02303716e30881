// Catalog search (issue 13, "search that scales"): the count is exact up to a limit and flagged as an
// estimate beyond it, 3-letter and multi-word terms find what a substring match finds, and archived
// products never appear. Straight against list_products on the test database.
#include "fixture.hpp"
#include "persistence/catalog_repository.hpp"

#include <algorithm>

using namespace commerce;
using namespace commerce::testing;

namespace {

std::string unique_word(const std::string& prefix) {
  static int n = 0;
  // Letters only, so the word is a whole word for the text-search parser too.
  std::string out = prefix;
  for (auto v = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) + getpid() * 7919ULL + n++;
       v; v /= 26)
    out += static_cast<char>('a' + v % 26);
  return out;
}

/// 45 products named after `tag`, in an order of their own for each sort key (names and prices
/// repeat), one of them archived: 44 matches.
void add_sortable_items(actor_fixture& f, const std::string& tag) {
  f.sql("INSERT INTO products (name, description, price_minor, sku, quantity) "
        "SELECT 'Item ' || $1 || ' ' || chr(97 + (g * 7) % 26), '', 100 + (g * 13) % 17, 'SRCH-' || $1 || '-' || g, 1 "
        "FROM generate_series(1, 45) AS g",
        {tag});
  f.sql("UPDATE products SET is_active = false WHERE sku = 'SRCH-' || $1 || '-7'", {tag});
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(catalog_search, actor_fixture)

BOOST_AUTO_TEST_CASE(count_beyond_the_exact_limit_is_a_flagged_estimate) {
  const auto tag = unique_word("bulk");
  sql("INSERT INTO products (name, description, price_minor, sku, quantity) "
      "SELECT 'Bulk ' || $1 || ' #' || g, '', 100, 'SRCH-' || $1 || '-' || g, 1 FROM generate_series(1, 1300) AS g",
      {tag});
  const int64_t first = scalar("SELECT min(id) FROM products WHERE sku LIKE 'SRCH-' || $1 || '-%'", {tag});
  auto c = db->acquire();
  auto page = [&](int64_t offset, int64_t exact_limit = persistence::default_exact_count_limit) {
    persistence::product_query q;
    q.search = tag;
    q.limit = 20;
    q.offset = offset;
    q.exact_count_limit = exact_limit;
    return persistence::list_products(*c, q);
  };

  auto p1 = page(0);
  BOOST_TEST(p1.count_is_estimate);
  BOOST_TEST(p1.count > persistence::default_exact_count_limit);
  BOOST_TEST_REQUIRE(p1.rows.size() == 20u);
  BOOST_TEST(p1.rows.front().id == first);
  BOOST_TEST(p1.rows.back().id == first + 19);

  // Under a higher limit the same term is counted exactly.
  auto exact = page(0, 2000);
  BOOST_TEST(!exact.count_is_estimate);
  BOOST_TEST(exact.count == 1300);

  // A page in the middle: the estimate never promises fewer than the page shows (a next page exists).
  auto middle = page(1200);
  BOOST_TEST(middle.count_is_estimate);
  BOOST_TEST(middle.count >= 1221);
  BOOST_TEST(middle.rows.size() == 20u);

  // The last page knows the count exactly; a page past the end keeps it within what is known.
  auto last = page(1290);
  BOOST_TEST(!last.count_is_estimate);
  BOOST_TEST(last.count == 1300);
  BOOST_TEST(last.rows.size() == 10u);
  auto past = page(5000);
  BOOST_TEST(past.rows.empty());
  BOOST_TEST(past.count_is_estimate);
  BOOST_TEST((past.count > persistence::default_exact_count_limit && past.count <= 5000), past.count);

  // Archived products are never listed nor counted, on either side of the limit.
  sql("UPDATE products SET is_active = false WHERE sku LIKE 'SRCH-' || $1 || '-%' AND id >= $2::bigint",
      {tag, std::to_string(first + 1100)});
  auto after = page(1080);
  BOOST_TEST(!after.count_is_estimate);
  BOOST_TEST(after.count == 1100);
  BOOST_TEST(after.rows.size() == 20u);
  BOOST_TEST(after.rows.back().id == first + 1099);
  sql("UPDATE products SET is_active = false WHERE sku LIKE 'SRCH-' || $1 || '-%' AND id >= $2::bigint",
      {tag, std::to_string(first + 10)});
  auto few = page(0);
  BOOST_TEST(!few.count_is_estimate);
  BOOST_TEST(few.count == 10);
  BOOST_TEST(few.rows.size() == 10u);
  for (const auto& r : few.rows)
    BOOST_TEST(r.is_active);
}

// A page is cut from the counted matches when they are all counted, and from the ordered scan
// otherwise: in every order, both give the pages of the whole match set sorted.
BOOST_AUTO_TEST_CASE(pages_in_every_order_are_the_sorted_matches_either_way) {
  const auto tag = unique_word("order");
  add_sortable_items(*this, tag);
  auto c = db->acquire();
  const std::vector<std::pair<std::string, std::string>> orders = {
    {"id", "id"}, {"-id", "id DESC"}, {"price", "price_minor, id"}, {"-price", "price_minor DESC, id"},
    {"name", "name, id"}, {"-name", "name DESC, id"}, {"created_at", "created_at, id"}, {"-created_at", "created_at DESC, id"}};
  for (const auto& [order_by, sql_order] : orders) {
    auto r = c->exec("SELECT id FROM products WHERE is_active AND sku LIKE 'SRCH-' || $1 || '-%' ORDER BY " + sql_order, {tag});
    std::vector<int64_t> expected;
    for (int i = 0; i < r.rows(); ++i)
      expected.push_back(r.int64(i, 0));
    BOOST_TEST_REQUIRE(expected.size() == 44u);
    for (int64_t exact_limit : {int64_t{1000}, int64_t{10}}) {  // all matches counted / only some
      std::vector<int64_t> paged;
      for (int64_t offset = 0; offset < 60; offset += 20) {
        persistence::product_query q;
        q.search = tag;
        q.order_by = order_by;
        q.limit = 20;
        q.offset = offset;
        q.exact_count_limit = exact_limit;
        auto page = persistence::list_products(*c, q);
        auto ids = ids_of(page);
        paged.insert(paged.end(), ids.begin(), ids.end());
      }
      BOOST_TEST((paged == expected), order_by << " with an exact limit of " << exact_limit);
    }
  }
}

// The catalog keeps a query's match list and cuts its other pages from it: every page cut from
// the list is the page list_products reads, in every order, with the count exact or estimated;
// a page the list does not reach is refused, and a product archived since the list was read is
// left out of the page.
BOOST_AUTO_TEST_CASE(pages_cut_from_a_match_list_are_the_pages_read_whole) {
  const auto tag = unique_word("cut");
  add_sortable_items(*this, tag);
  auto c = db->acquire();
  int cut = 0;
  int refused = 0;
  for (const std::string order_by : {"id", "-id", "price", "-price", "name", "-name", "created_at", "-created_at"}) {
    for (int64_t exact_limit : {int64_t{1000}, int64_t{30}}) {  // all 44 matches listed / 31 of them
      persistence::product_query q;
      q.search = tag;
      q.order_by = order_by;
      q.limit = 5;
      q.exact_count_limit = exact_limit;
      const auto matches = persistence::match_products(*c, q);
      BOOST_TEST(matches.count_is_estimate == (exact_limit == 30));
      BOOST_TEST(matches.ids.size() == (exact_limit == 30 ? 31u : 44u));
      for (q.offset = 0; q.offset < 55; q.offset += 5) {
        const auto whole = persistence::list_products(*c, q);
        const auto page = persistence::cut_page(matches, q);
        const bool reaches = exact_limit == 1000 || q.offset + q.limit < 31;
        BOOST_TEST_REQUIRE(page.has_value() == reaches, order_by << " at " << q.offset);
        if (!page) {
          ++refused;
          continue;
        }
        ++cut;
        const auto read = persistence::read_page(*c, *page);
        BOOST_TEST((ids_of(read) == ids_of(whole)), order_by << " at " << q.offset << ", exact limit " << exact_limit);
        BOOST_TEST(read.count == whole.count, order_by << " at " << q.offset);
        BOOST_TEST(read.count_is_estimate == whole.count_is_estimate);
      }
    }
  }
  BOOST_TEST(cut == 8 * (11 + 6));
  BOOST_TEST(refused == 8 * 5);

  // Archived after the list was read: its page comes out one row short, never with the archived row.
  persistence::product_query q;
  q.search = tag;
  q.limit = 5;
  const auto matches = persistence::match_products(*c, q);
  const auto first = matches.ids.front();
  BOOST_TEST_REQUIRE(persistence::archive_product(*c, first));
  const auto page = persistence::read_page(*c, *persistence::cut_page(matches, q));
  BOOST_TEST(page.rows.size() == 4u);
  BOOST_TEST(std::none_of(page.rows.begin(), page.rows.end(), [&](const auto& r) { return r.id == first; }));
}

BOOST_AUTO_TEST_CASE(three_letter_and_multi_word_terms_find_substrings) {
  // A price of its own keeps other tests' products out of these 3-letter searches.
  const auto tag = unique_word("w");
  const int64_t price = 900'000'000 + static_cast<int64_t>(getpid() % 1000) * 1000 + tag.size();
  auto c = db->acquire();
  auto add = [&](const std::string& name, const std::string& description) {
    return persistence::insert_product(*c, {name, description, price, "SRCH-" + tag + "-" + name.substr(0, 3) +
                                                                         std::to_string(description.size()), 1}).id;
  };
  const int64_t mug = add("Red mug", "stoneware " + tag);
  const int64_t smug = add("Smugglers guide", "a book about " + tag);
  const int64_t lamp = add("Desk lamp", "a big brass lamp for " + tag + " desks");
  const int64_t tagged = add("Markup lamp", "<b big brass lamp> &amp; " + tag);
  const int64_t archived = add("Archived mug", "old brass lamp " + tag);
  BOOST_TEST_REQUIRE(persistence::archive_product(*c, archived));

  auto find = [&](const std::string& term) {
    persistence::product_query q;
    q.search = term;
    q.min_price_minor = price;
    q.max_price_minor = price;
    q.limit = 100;
    auto p = persistence::list_products(*c, q);
    BOOST_TEST(!p.count_is_estimate);
    BOOST_TEST(p.count == static_cast<int64_t>(p.rows.size()), term);
    return ids_of(p);
  };
  using ids = std::vector<int64_t>;
  BOOST_TEST((find("mug") == ids{mug, smug}));  // a fragment inside "Smugglers" too; never the archived one
  BOOST_TEST((find("MUG") == ids{mug, smug}));
  BOOST_TEST((find("boo") == ids{smug}));
  BOOST_TEST((find("sto") == ids{mug}));
  BOOST_TEST((find("big brass lamp") == ids{lamp, tagged}));  // "brass" is a whole word, even inside <...>
  BOOST_TEST((find("BIG Brass LAMP") == ids{lamp, tagged}));
  BOOST_TEST((find("ig brass la") == ids{lamp, tagged}));  // fragments at either end
  BOOST_TEST((find("lamp for " + tag + " desks") == ids{lamp}));
  BOOST_TEST((find("brass big") == ids{}));  // words in another order are not a substring
  BOOST_TEST((find("old brass lamp") == ids{}));  // only in the archived product
  BOOST_TEST((find("&amp; " + tag) == ids{tagged}));
  BOOST_TEST((find("a  big") == ids{}));  // two spaces are not one
}

BOOST_AUTO_TEST_SUITE_END()
