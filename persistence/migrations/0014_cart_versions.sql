-- A per-user cart version, bumped in the same statement as every change to the user's
-- cart_items (the cart repository's writes, and the order that empties the cart). A cart actor
-- holds the lines of one version in memory and serves them while PostgreSQL still has that
-- version, so another server process's change or an order is never hidden behind its copy.
-- A cart without a row is at version 0.
CREATE TABLE cart_versions (
    user_id  bigint  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version  bigint  NOT NULL
);
