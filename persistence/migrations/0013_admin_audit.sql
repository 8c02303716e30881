-- Every action an administrator takes through /admin/api (passivate an actor, trip or reset a
-- breaker, retry a dead-lettered job): who, what, on what, when, and how it ended.
CREATE TABLE admin_audit (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_user_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
    staff_email    text        NOT NULL,
    action         text        NOT NULL,  -- passivate_actor, trip_breaker, reset_breaker, retry_job
    target         text        NOT NULL,  -- actor id, gateway kind or task id
    outcome        text        NOT NULL,  -- done, not_found, refused, failed
    detail         text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_recent ON admin_audit (created_at DESC);
