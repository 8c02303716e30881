-- Unknown gateway outcomes (API.md §5): a charge or refund whose answer never came (timeout, a
-- connection dropped after sending, a 5xx) is 'unknown' until the provider settles it, under
-- the idempotency key it was sent with. The attempt is written before the call (write-ahead),
-- with what it takes to send it again under that key; in_flight_until bounds how long a
-- 'processing' attempt may still be running on some node: after it (the node died), it is
-- unknown too.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('processing', 'unknown', 'pending', 'succeeded', 'failed'));
ALTER TABLE payments
    ADD COLUMN two_step         boolean     NOT NULL DEFAULT false,
    -- The card token or cryptogram, kept only while the attempt is unsettled (cleared after).
    ADD COLUMN resend_token     text,
    ADD COLUMN return_url       text,
    ADD COLUMN client_ip        text,
    ADD COLUMN in_flight_until  timestamptz NOT NULL DEFAULT now();
-- An unknown charge blocks a new one exactly as one in flight does, on every node.
DROP INDEX payments_one_in_flight;
CREATE UNIQUE INDEX payments_one_in_flight ON payments (order_id) WHERE status IN ('processing', 'unknown');

ALTER TABLE refunds ADD COLUMN in_flight_until timestamptz NOT NULL DEFAULT now();
CREATE INDEX refunds_unsettled ON refunds (order_id) WHERE status IN ('processing', 'unknown');
