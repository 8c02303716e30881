#include "persistence/catalog_repository.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

namespace commerce::persistence {

namespace {

constexpr const char* product_columns =
  "id, name, description, price_minor, sku, quantity, is_active, "
  "api_time(created_at), "
  "api_time(updated_at)";

product_record read_product(pg::row_reader& in) {
  product_record p;
  p.id = in.int64();
  p.name = in.str();
  p.description = in.str();
  p.price_minor = in.int64();
  p.sku = in.str();
  p.quantity = in.int32();
  p.is_active = in.boolean();
  p.created_at = in.str();
  p.updated_at = in.str();
  return p;
}

product_record read_product(const pg::result& r, int row = 0) {
  auto in = r.row(row);
  return read_product(in);
}

pg::param opt(const std::optional<int64_t>& v) { return v ? pg::param{std::to_string(*v)} : std::nullopt; }
pg::param opt(const std::optional<int32_t>& v) { return v ? pg::param{std::to_string(*v)} : std::nullopt; }

std::string like_pattern(const std::string& term) {
  std::string out = "%";
  for (char ch : term) {
    if (ch == '%' || ch == '_' || ch == '\\')
      out += '\\';
    out += ch;
  }
  return out + "%";
}

bool ascii_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; }

/// The term's inner words (whitespace on both sides) made only of ASCII letters, lower-cased and
/// space-separated: every product whose text contains the term has each of them as a whole word, and the
/// text-search parser splits such a word out as the same single token, so they narrow the match exactly.
/// The first and last words may be fragments of longer words and are left to the trigrams.
std::string inner_words(const std::string& term) {
  std::vector<std::string> words{{}};
  for (char ch : term) {
    if (ascii_space(ch)) {
      if (!words.back().empty())
        words.emplace_back();
    } else {
      words.back() += ch;
    }
  }
  if (!words.empty() && words.back().empty())
    words.pop_back();
  // A leading or trailing space makes the word next to it whole too.
  size_t first = !term.empty() && ascii_space(term.front()) ? 0 : 1;
  size_t end = !term.empty() && ascii_space(term.back()) ? words.size() : words.size() - std::min<size_t>(words.size(), 1);
  std::string out;
  for (size_t i = first; i < end; ++i) {
    const auto& w = words[i];
    bool letters = std::all_of(w.begin(), w.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    });
    if (!letters)
      continue;
    if (!out.empty())
      out += ' ';
    for (char ch : w)
      out += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  return out;
}

/// The planner's row estimate for the match set (EXPLAIN's first line: "... rows=N width=...").
int64_t planner_estimate(pg::connection& c, const std::string& from_where, const pg::params& args) {
  auto plan = c.exec("EXPLAIN SELECT 1 FROM products" + from_where, args);
  if (plan.empty())
    return 0;
  auto line = plan.row().str();
  auto at = line.find(" rows=");
  return at == std::string::npos ? 0 : std::strtoll(line.c_str() + at + 6, nullptr, 10);
}

/// A query's filters as SQL (" WHERE ..."), their values bound in `args`, and its ORDER BY list.
struct listing_sql {
  pg::params args;
  std::string where = " WHERE is_active";
  std::string order;

  explicit listing_sql(const product_query& q) {
    static const std::map<std::string, std::string> orderings = {
      {"id", "id"},          {"-id", "id DESC"},
      {"price", "price_minor, id"}, {"-price", "price_minor DESC, id"},
      {"name", "name, id"},  {"-name", "name DESC, id"},
      {"created_at", "created_at, id"}, {"-created_at", "created_at DESC, id"},
    };
    order = orderings.count(q.order_by) ? orderings.at(q.order_by) : "id";
    // Only the filters asked for reach the SQL, so the planner sees each as it is (an "$1 IS NULL OR"
    // would hide the indexes from a generic plan).
    if (!q.search.empty()) {
      where += " AND search_text LIKE lower(" + bind(like_pattern(q.search), "::text") + ")";
      if (auto words = inner_words(q.search); !words.empty())
        where += " AND to_tsvector('simple', translate(search_text, '<>&', '   ')) @@ plainto_tsquery('simple', " + bind(words, "::text") + ")";
    }
    if (q.min_price_minor)
      where += " AND price_minor >= " + bind(opt(q.min_price_minor), "::bigint");
    if (q.max_price_minor)
      where += " AND price_minor <= " + bind(opt(q.max_price_minor), "::bigint");
  }

  /// Appends a value to `args`; returns its placeholder.
  std::string bind(pg::param value, const char* cast) {
    args.push_back(std::move(value));
    return "$" + std::to_string(args.size()) + cast;
  }

  /// The CTEs both listing statements start with: `hit`, the matches up to `limit` (never the
  /// whole set) with their sort columns, and `bounded`, how many it holds.
  std::string bounded_matches(const std::string& limit) const {
    return "WITH hit AS MATERIALIZED (SELECT id, price_minor, name, created_at FROM products" + where + " LIMIT " + limit +
           "), bounded AS (SELECT count(*) AS matches FROM hit) ";
  }
};

void write_ledger(pg::transaction& tx, int64_t product_id, int64_t delta, int64_t after, const char* reason) {
  tx.exec("INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason) "
          "VALUES ($1::bigint, $2::int, $3::int, $4)",
          {pg::to_param(product_id), std::to_string(delta), std::to_string(after), std::string{reason}});
}

template <class Fn>
auto translating_sku_conflict(Fn fn) {
  try {
    return fn();
  } catch (const pg::error& e) {
    if (e.unique_violation())
      throw sku_taken{};
    throw;
  }
}

}  // namespace

std::optional<product_record> find_product(pg::connection& c, int64_t id) {
  auto r = c.exec(std::string{"SELECT "} + product_columns + " FROM products WHERE id = $1::bigint", {pg::to_param(id)});
  if (r.empty())
    return std::nullopt;
  return read_product(r);
}

std::vector<std::optional<product_record>> find_products(pg::connection& c, const std::vector<int64_t>& ids) {
  auto r = c.exec(std::string{"SELECT "} + product_columns + " FROM products WHERE id = ANY($1::bigint[])", {pg::to_param(ids)});
  std::vector<std::optional<product_record>> out(ids.size());
  for (int row = 0; row < r.rows(); ++row) {
    auto p = read_product(r, row);
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == p.id)
        out[i] = p;
  }
  return out;
}

product_record insert_product(pg::connection& c, const product_fields& f) {
  pg::transaction tx{c};
  auto r = translating_sku_conflict([&] {
    return tx.exec(std::string{"INSERT INTO products (name, description, price_minor, sku, quantity) "
                               "VALUES ($1, COALESCE($2, ''), $3::bigint, $4, COALESCE($5::int, 0)) RETURNING "} +
                     product_columns,
                   {f.name, f.description, opt(f.price_minor), f.sku, opt(f.quantity)});
  });
  auto p = read_product(r);
  if (p.quantity > 0)
    write_ledger(tx, p.id, p.quantity, p.quantity, "initial");
  tx.commit();
  return p;
}

std::optional<product_record> update_product(pg::connection& c, int64_t id, const product_fields& f) {
  pg::transaction tx{c};
  auto before = tx.exec("SELECT quantity FROM products WHERE id = $1::bigint AND is_active FOR UPDATE",
                        {pg::to_param(id)});
  if (before.empty())
    return std::nullopt;
  auto old_quantity = before.row().int64();
  auto r = translating_sku_conflict([&] {
    return tx.exec(std::string{"UPDATE products SET name = COALESCE($2, name), "
                               "description = COALESCE($3, description), "
                               "price_minor = COALESCE($4::bigint, price_minor), sku = COALESCE($5, sku), "
                               "quantity = COALESCE($6::int, quantity), updated_at = now() "
                               "WHERE id = $1::bigint RETURNING "} +
                     product_columns,
                   {pg::to_param(id), f.name, f.description, opt(f.price_minor), f.sku, opt(f.quantity)});
  });
  auto p = read_product(r);
  if (p.quantity != old_quantity)
    write_ledger(tx, id, p.quantity - old_quantity, p.quantity, "set");
  tx.commit();
  return p;
}

bool archive_product(pg::connection& c, int64_t id) {
  auto r = c.exec("UPDATE products SET is_active = false, updated_at = now() WHERE id = $1::bigint AND is_active",
                  {pg::to_param(id)});
  return r.affected() == 1;
}

product_page list_products(pg::connection& c, const product_query& q) {
  listing_sql sql{q};
  const auto filter_args = sql.args;
  // One round trip. `hit` holds the matches up to one past the exact limit (never the whole
  // set) with the sort columns; its size is the bounded count. When it holds every match, the
  // page is cut from it and only the page's rows are read. Otherwise the matches are dense
  // enough for the ordered scan to find the page soon (a generic plan cannot tell the two
  // apart, and the ordered scan alone read the whole table for a rare term's later pages).
  // The page has one row more than asked, which tells whether another page follows; an empty
  // page still yields the count.
  const int64_t exact_limit = std::max<int64_t>(q.exact_count_limit, 0);
  auto count_limit = sql.bind(std::to_string(exact_limit + 1), "::bigint");
  auto page_limit = sql.bind(std::to_string(q.limit + 1), "::bigint");
  auto page_offset = sql.bind(std::to_string(q.offset), "::bigint");
  auto page_of = " ORDER BY " + sql.order + " LIMIT " + page_limit + " OFFSET " + page_offset;
  auto r = c.exec(sql.bounded_matches(count_limit) +
                    "SELECT bounded.matches, page.* FROM bounded LEFT JOIN LATERAL ("
                    "(SELECT " + product_columns + " FROM products WHERE bounded.matches < " + count_limit +
                    " AND id IN (SELECT id FROM hit" + page_of + ") ORDER BY " + sql.order + ") UNION ALL (SELECT " +
                    product_columns + " FROM products" + sql.where + " AND bounded.matches >= " + count_limit + page_of +
                    ")) AS page ON true",
                  sql.args);
  product_page page;
  const int64_t bounded = r.row().int64();
  bool more = false;
  for (int i = 0; i < r.rows() && !r.is_null(i, 1); ++i) {
    if (static_cast<int64_t>(page.rows.size()) == q.limit) {
      more = true;
      break;
    }
    auto in = r.row(i);
    in.int64();  // bounded.matches
    page.rows.push_back(read_product(in));
  }
  if (bounded <= exact_limit) {
    page.count = bounded;
    return page;
  }
  const int64_t seen = q.offset + static_cast<int64_t>(page.rows.size());
  if (!more && !page.rows.empty()) {
    page.count = seen;  // the last page: the count is known exactly after all
    return page;
  }
  // More than the limit match: the planner's estimate, kept consistent with what this page shows.
  page.count_is_estimate = true;
  page.count = std::max({planner_estimate(c, sql.where, filter_args), exact_limit + 1, seen + (more ? 1 : 0)});
  if (page.rows.empty() && q.offset > exact_limit)
    page.count = std::min(page.count, q.offset);  // past the end: there are at most `offset` matches
  return page;
}

product_matches match_products(pg::connection& c, const product_query& q) {
  listing_sql sql{q};
  const auto filter_args = sql.args;
  const int64_t exact_limit = std::max<int64_t>(q.exact_count_limit, 0);
  auto id_limit = sql.bind(std::to_string(exact_limit + 1), "::bigint");
  // As in list_products: `hit` bounds the work for a rare term (a generic plan's ordered scan
  // would read the whole table to find it); when it is full, the matches are dense and the
  // ordered scan finds the first of them soon.
  auto r = c.exec(sql.bounded_matches(id_limit) +
                    "SELECT m.id FROM bounded CROSS JOIN LATERAL ("
                    "(SELECT id, price_minor, name, created_at FROM hit WHERE bounded.matches < " + id_limit +
                    ") UNION ALL (SELECT id, price_minor, name, created_at FROM products" + sql.where +
                    " AND bounded.matches >= " + id_limit + " ORDER BY " + sql.order + " LIMIT " + id_limit +
                    ")) AS m ORDER BY " + sql.order,
                  sql.args);
  product_matches m;
  m.ids.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    m.ids.push_back(r.row(i).int64());
  m.count = static_cast<int64_t>(m.ids.size());
  if (m.count > exact_limit) {
    m.count_is_estimate = true;
    m.count = std::max(planner_estimate(c, sql.where, filter_args), exact_limit + 1);
  }
  return m;
}

std::optional<page_of_ids> cut_page(const product_matches& m, const product_query& q) {
  const auto listed = static_cast<int64_t>(m.ids.size());
  // Beyond the list only an incomplete one has more; the match after the page must be listed to
  // know that another page follows.
  if (m.count_is_estimate && q.offset + q.limit >= listed)
    return std::nullopt;
  page_of_ids page{{}, m.count, m.count_is_estimate};
  if (q.offset < listed)
    page.ids.assign(m.ids.begin() + q.offset, m.ids.begin() + std::min(listed, q.offset + q.limit));
  return page;
}

product_page read_page(pg::connection& c, const page_of_ids& page) {
  product_page out;
  out.count = page.count;
  out.count_is_estimate = page.count_is_estimate;
  if (page.ids.empty())
    return out;
  for (auto& p : find_products(c, page.ids))
    if (p && p->is_active)
      out.rows.push_back(std::move(*p));
  return out;
}

stock_result change_stock(pg::connection& c, int64_t id, stock_operation op, int32_t quantity, int32_t max_stock) {
  pg::transaction tx{c};
  auto current = tx.exec("SELECT quantity FROM products WHERE id = $1::bigint AND is_active FOR UPDATE",
                         {pg::to_param(id)});
  if (current.empty())
    return {stock_outcome::not_found, {}};
  int64_t before = current.row().int64();
  int64_t after = op == stock_operation::sale ? before - quantity : op == stock_operation::restock ? before + quantity : quantity;
  if (after < 0)
    return {stock_outcome::insufficient, {}};
  if (after > max_stock)
    return {stock_outcome::above_limit, {}};
  // The row is locked, but the guard stays conditional so the statement is correct on its own.
  auto r = tx.exec(std::string{"UPDATE products SET quantity = $2::int, updated_at = now() "
                               "WHERE id = $1::bigint AND quantity = $3::int RETURNING "} +
                     product_columns,
                   {pg::to_param(id), std::to_string(after), std::to_string(before)});
  if (r.empty())
    return {stock_outcome::insufficient, {}};
  const char* reason = op == stock_operation::sale ? "sale" : op == stock_operation::restock ? "restock" : "set";
  if (after != before)
    write_ledger(tx, id, after - before, after, reason);
  auto p = read_product(r);
  tx.commit();
  return {stock_outcome::changed, p};
}

int64_t ledger_sum(pg::connection& c, int64_t product_id) {
  auto sum = c.exec("SELECT COALESCE(sum(delta), 0) FROM inventory_ledger WHERE product_id = $1::bigint",
                    {pg::to_param(product_id)});
  return sum.row().int64();
}

}  // namespace commerce::persistence
