-- Inventory sync (API.md §3.7). A warehouse feed's level and a reconciliation of the ledger are
-- stock movements like any other: they get ledger reasons of their own, and the job behind a
-- row is kept (a redelivered sync finds its own rows and writes none twice: it sets absolute
-- levels, so a second run moves nothing).
ALTER TABLE inventory_ledger DROP CONSTRAINT inventory_ledger_reason_check;
ALTER TABLE inventory_ledger ADD CONSTRAINT inventory_ledger_reason_check
    CHECK (reason IN ('initial', 'sale', 'restock', 'set', 'order_reserved', 'order_cancelled',
                      'reservation_expired', 'sync', 'reconcile'));
ALTER TABLE inventory_ledger ADD COLUMN job_id text;

-- The last sync, one row: what GET /api/inventory/status/ shows. last_sync and products_synced
-- move only when a sync completes; a failed attempt records its error and leaves them.
CREATE TABLE inventory_sync_state (
    id                boolean     PRIMARY KEY DEFAULT true CHECK (id),
    last_sync         timestamptz,
    products_synced   integer     NOT NULL DEFAULT 0,
    source            text        CHECK (source IN ('feed', 'ledger')),
    errors            integer     NOT NULL DEFAULT 0,
    -- The last attempt's messages, oldest first, at most a few (the count above is complete).
    error_messages    text[]      NOT NULL DEFAULT '{}',
    last_job_id       text,
    last_attempt_at   timestamptz,
    last_attempt_ok   boolean
);
INSERT INTO inventory_sync_state DEFAULT VALUES;
