-- Payments, notifications and the audit of outbound gateway calls.
CREATE TABLE payments (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL REFERENCES orders (id),
    -- processing: the gateway call is under way (at most one per order, below).
    status               text        NOT NULL CHECK (status IN ('processing', 'pending', 'succeeded', 'failed')),
    amount_minor         bigint      NOT NULL,
    currency             text        NOT NULL,
    payment_method       text        NOT NULL,
    provider             text        NOT NULL,
    -- Never unique and never used for lookups: the document's mocks answer constant ids.
    provider_payment_id  text,
    confirmation_url     text,
    idempotence_key      uuid        NOT NULL DEFAULT gen_random_uuid(),
    failure              text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_order ON payments (order_id);
-- One charge in flight per order and one success per order, whatever node runs them.
CREATE UNIQUE INDEX payments_one_in_flight ON payments (order_id) WHERE status = 'processing';
CREATE UNIQUE INDEX payments_one_success ON payments (order_id) WHERE status = 'succeeded';

CREATE TABLE notifications (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint      REFERENCES orders (id),
    user_id            bigint      REFERENCES users (id),
    type               text        NOT NULL CHECK (type IN ('email', 'sms')),
    provider           text        NOT NULL,
    notification_type  text        NOT NULL,
    status             text        NOT NULL CHECK (status IN ('sent', 'failed')),
    recipient          text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_order ON notifications (order_id, id);

CREATE TABLE gateway_calls (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider     text        NOT NULL,
    operation    text        NOT NULL,
    method       text        NOT NULL,
    path         text        NOT NULL,
    status       integer     NOT NULL,
    failure      text        NOT NULL,
    attempts     integer     NOT NULL,
    latency_ms   integer     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One shipment per order. A 'creating' row is claimed before the carrier is called, so two
-- nodes can never both book a shipment for the same order.
CREATE TABLE shipments (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id              bigint      NOT NULL UNIQUE REFERENCES orders (id),
    service               text        NOT NULL,
    status                text        NOT NULL,
    provider              text        NOT NULL,
    provider_shipment_id  text,
    tracking_number       text,
    recipient             jsonb       NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE refunds (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id            bigint      NOT NULL REFERENCES orders (id),
    payment_id          bigint      NOT NULL REFERENCES payments (id),
    amount_minor        bigint      NOT NULL CHECK (amount_minor > 0),
    currency            text        NOT NULL,
    -- processing while the gateway is asked; then the gateway's status (pending, succeeded, ...)
    status              text        NOT NULL,
    reason              text        NOT NULL DEFAULT '',
    provider_refund_id  text,
    idempotence_key     uuid        NOT NULL DEFAULT gen_random_uuid(),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order ON refunds (order_id);
