-- GET /api/products/{id}/ at its minimum: the product's columns by primary key, ids uniform over
-- the seeded range (bench/run passes -D first=... -D last=...).
\set id random(:first, :last)
SELECT id, name, description, price_minor, sku, quantity, is_active, api_time(created_at), api_time(updated_at)
  FROM products WHERE id = :id;
