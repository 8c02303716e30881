-- The beat (actors/beat.hpp): one row per BEAT_SCHEDULE entry. A slot fires only for the beat
-- whose conditional UPDATE (WHERE next_run_at = the slot) moves next_run_at past it, so two
-- leaders (a lock expiry race) never fire one slot twice, and a new leader goes on from
-- next_run_at instead of firing everything at once.
CREATE TABLE beat_schedule (
    name          text        PRIMARY KEY,
    job_type      text        NOT NULL,
    schedule      text        NOT NULL,  -- as written after '@'; a change restarts the slots
    last_run_at   timestamptz,
    last_task_id  text,
    next_run_at   timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Carrier tracking, refreshed by shipments.refresh_tracking: the carrier's events as
-- [{status, time, location}] (oldest first), and when the carrier was last asked.
ALTER TABLE shipments
    ADD COLUMN tracking_events      jsonb       NOT NULL DEFAULT '[]',
    ADD COLUMN tracking_checked_at  timestamptz;

-- Abandoned-cart reminders: per user, the cart change last reminded of. A reminder is claimed
-- (a conditional upsert) before the e-mail goes, so a re-fired or redelivered job sends at most
-- one per cart change.
CREATE TABLE cart_reminders (
    user_id          bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    cart_changed_at  timestamptz NOT NULL,
    status           text        NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    reminded_at      timestamptz NOT NULL DEFAULT now()
);

-- payments.poll_pending's batch: pending payments, oldest first.
CREATE INDEX payments_pending_since ON payments (updated_at) WHERE status = 'pending';
