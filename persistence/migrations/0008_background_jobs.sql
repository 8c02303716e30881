-- Background jobs: one row per task (API.md §3.7), its durable state. Without Redis the same
-- rows are the job queue: `queued` marks a job waiting or running, `run_after` when it is due,
-- `lease_until`/`lease_owner` the worker holding it (a visibility timeout: a lease that
-- expires, because its worker died, makes the job takeable again).
CREATE TABLE tasks (
    id              uuid        PRIMARY KEY,
    type            text        NOT NULL,
    payload         jsonb       NOT NULL DEFAULT '{}',
    owner_user_id   bigint      REFERENCES users (id) ON DELETE SET NULL,
    status          text        NOT NULL DEFAULT 'PENDING'
                                CHECK (status IN ('PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE')),
    result          jsonb,
    error           text,
    attempts        integer     NOT NULL DEFAULT 0,
    -- The PostgreSQL queue (unused when the jobs travel on Redis Streams).
    queued          boolean     NOT NULL DEFAULT false,
    run_after       timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    lease_owner     uuid,
    dead_letter     boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- What a worker looks for: queued jobs by due time (their leases are checked on the few rows).
CREATE INDEX tasks_queue_due ON tasks (run_after) WHERE queued;
CREATE INDEX tasks_owner ON tasks (owner_user_id) WHERE owner_user_id IS NOT NULL;
-- Finished tasks are deleted after a retention period (kept at least 24 h, API.md §3.7).
CREATE INDEX tasks_finished ON tasks (finished_at) WHERE finished_at IS NOT NULL;
