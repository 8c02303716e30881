-- The checkout loop at its minimum: the cart upsert, then the order from the cart in one transaction,
-- with the statements persistence/order_repository.cpp runs (conditional stock update, the order, its
-- line and its ledger row, then the cart emptied). One script run = one order. Each of the 16 clients
-- keeps to 4 users of its own (64 in all), as each wrk connection keeps to its own user: two clients
-- never empty the same cart.
\set u :ufirst + :client_id * 4 + random(0, 3)
\set p random(:first, :last)
INSERT INTO cart_items (user_id, product_id, quantity) VALUES (:u, :p, 1)
ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity, updated_at = now()
 WHERE cart_items.quantity + excluded.quantity <= 999;
BEGIN;
UPDATE products SET quantity = quantity - 1, updated_at = now()
 WHERE id = :p AND is_active AND quantity >= 1
RETURNING name, sku, price_minor, quantity AS stock_after \gset
INSERT INTO orders (user_id, subtotal_minor, total_minor, payment_method, shipping_method, inventory_reserved,
                    shipping_address, billing_address)
VALUES (:u, :price_minor, :price_minor, 'card', 'standard', true,
        jsonb_build_object('first_name', 'Bench', 'last_name', 'User', 'street', 'Tverskaya 1', 'city', 'Moscow',
                           'postal_code', '101000', 'country', 'RU'),
        jsonb_build_object('first_name', 'Bench', 'last_name', 'User', 'street', 'Tverskaya 1', 'city', 'Moscow',
                           'postal_code', '101000', 'country', 'RU'))
RETURNING id AS order_id \gset
INSERT INTO order_items (order_id, product_id, product_name, sku, unit_price_minor, quantity, line_total_minor)
VALUES (:order_id, :p, :name, :sku, :price_minor, 1, :price_minor);
INSERT INTO inventory_ledger (product_id, delta, quantity_after, reason, order_id)
VALUES (:p, -1, :stock_after, 'order_reserved', :order_id);
DELETE FROM cart_items WHERE user_id = :u;
END;
