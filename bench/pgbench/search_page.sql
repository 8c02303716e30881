-- One page of GET /api/products/?search=<term>&page=<1..3> at its minimum: the 20 rows of the page,
-- no count (the issue asks the server not to count every match on every page). The query is one of
-- the same ~2,500 the search_distinct scenario sends (bench.search_queries, written by bench/run),
-- picked uniformly; the pattern is looked up in the same statement, so it stays one round trip.
\set n random(1, :queries)
SELECT p.id, p.name, p.description, p.price_minor, p.sku, p.quantity, p.is_active, api_time(p.created_at),
       api_time(p.updated_at)
  FROM bench.search_queries q
  CROSS JOIN LATERAL (SELECT * FROM products
                       WHERE is_active AND search_text LIKE q.pattern
                       ORDER BY id LIMIT 20 OFFSET q.page_offset) p
 WHERE q.n = :n;
