-- Analytics events (POST /api/analytics/track/). The writer actor reserves ids from the sequence
-- in blocks, so a client gets its event's id at once and the event is written later in a batch;
-- a batch repeated after an ambiguous failure is harmless (ON CONFLICT (id) DO NOTHING).
-- user_id has no foreign key on purpose: the log is append-only and a batch must never fail
-- because of a row elsewhere.
CREATE SEQUENCE analytics_events_id_seq;

CREATE TABLE analytics_events (
    id bigint PRIMARY KEY,
    type text NOT NULL CHECK (type ~ '^[a-z0-9_]{1,64}$'),
    user_id bigint,
    occurred_at timestamptz NOT NULL,      -- when the server accepted the event
    amount_minor bigint,                   -- the event's money (amount, else value, else revenue), kopecks
    data jsonb NOT NULL                    -- the body as received
);
ALTER SEQUENCE analytics_events_id_seq OWNED BY analytics_events.id;

-- The statistics: counts and revenue per type over a window (index-only scans), and all events
-- over a window.
CREATE INDEX analytics_events_type_time ON analytics_events (type, occurred_at) INCLUDE (amount_minor);
CREATE INDEX analytics_events_time ON analytics_events (occurred_at);
