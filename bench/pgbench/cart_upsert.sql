-- POST /api/cart/items/ at its minimum: one statement adds one unit of a random product to the cart
-- of a random one of 64 users (users of pgbench's own, -D ufirst/ulast, so the server's cart actors
-- never see rows written behind their back), within the API's 999 per line.
\set u random(:ufirst, :ulast)
\set p random(:first, :last)
INSERT INTO cart_items (user_id, product_id, quantity) VALUES (:u, :p, 1)
ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity, updated_at = now()
 WHERE cart_items.quantity + excluded.quantity <= 999;
