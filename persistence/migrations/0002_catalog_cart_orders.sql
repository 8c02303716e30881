-- Catalog, inventory ledger, carts, orders and idempotency keys. Money is integer kopecks.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    price_minor  bigint      NOT NULL CHECK (price_minor > 0),
    sku          text        NOT NULL,
    -- Stock on hand. Every change is a conditional UPDATE, so the CHECK is a last line only.
    quantity     integer     NOT NULL CHECK (quantity >= 0),
    is_active    boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- What ?search= matches (LIKE '%term%' on lower-cased text). A stored column has its own
    -- statistics, so the planner picks the trigram index; ILIKE on an expression was 10x slower.
    search_text  text GENERATED ALWAYS AS (lower(name || E'\n' || description || E'\n' || sku)) STORED
);
-- Archived products keep their SKU: past orders still name it.
CREATE UNIQUE INDEX products_sku_unique ON products (sku);
CREATE INDEX products_search_trgm ON products USING gin (search_text gin_trgm_ops) WHERE is_active;
CREATE INDEX products_active_price ON products (price_minor) WHERE is_active;

-- Every stock movement, with its reason and the order behind it when there is one.
CREATE TABLE inventory_ledger (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id      bigint      NOT NULL REFERENCES products (id),
    delta           integer     NOT NULL,
    quantity_after  integer     NOT NULL,
    reason          text        NOT NULL CHECK (reason IN ('initial', 'sale', 'restock', 'set',
                                    'order_reserved', 'order_cancelled', 'reservation_expired')),
    order_id        bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_ledger_product ON inventory_ledger (product_id, id);
CREATE INDEX inventory_ledger_order ON inventory_ledger (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE cart_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id  bigint      NOT NULL REFERENCES products (id),
    quantity    integer     NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, product_id)
);

CREATE TABLE orders (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             bigint      NOT NULL REFERENCES users (id),
    status              text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed',
                            'processing', 'shipped', 'delivered', 'cancelled', 'refunded')),
    payment_status      text        NOT NULL DEFAULT 'unpaid' CHECK (payment_status IN ('unpaid', 'pending',
                            'paid', 'partially_refunded', 'refunded')),
    subtotal_minor      bigint      NOT NULL,
    shipping_cost_minor bigint      NOT NULL DEFAULT 0,
    total_minor         bigint      NOT NULL,
    refunded_minor      bigint      NOT NULL DEFAULT 0,
    currency            text        NOT NULL DEFAULT 'RUB',
    shipping_address    jsonb       NOT NULL,
    billing_address     jsonb       NOT NULL,
    payment_method      text        NOT NULL,
    shipping_method     text        NOT NULL,
    inventory_reserved  boolean     NOT NULL DEFAULT false,
    payment_processed   boolean     NOT NULL DEFAULT false,
    shipping_created    boolean     NOT NULL DEFAULT false,
    -- Bumped by every transition; with "WHERE status = expected" it keeps two nodes honest.
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_newest ON orders (user_id, id DESC);
CREATE INDEX orders_unpaid_pending ON orders (created_at) WHERE status = 'pending' AND payment_status = 'unpaid';

CREATE TABLE order_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id          bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        bigint  NOT NULL REFERENCES products (id),
    product_name      text    NOT NULL,
    sku               text    NOT NULL,
    unit_price_minor  bigint  NOT NULL,
    quantity          integer NOT NULL CHECK (quantity > 0),
    line_total_minor  bigint  NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id);

-- API.md §4: (user, endpoint, key) -> the request's canonical hash and what it produced.
CREATE TABLE idempotency_keys (
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint      text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    resource_id   bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, endpoint, key)
);
