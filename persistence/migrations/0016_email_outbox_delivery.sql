-- The e-mail outbox is delivered by the job emails.deliver_outbox (actors/outbox_jobs.cpp). A
-- run claims queued rows whose next_attempt_at is due (FOR UPDATE SKIP LOCKED, so concurrent
-- runs take different rows) and pushes next_attempt_at past the send, a lease: a worker that
-- dies mid-send leaves the row to be taken again once the lease ends, and the resend carries the
-- same Idempotency-Key ("outbox:<id>"), so the provider sends one e-mail. A refused send waits
-- a backoff; after the bound the row is 'failed' with its last error.
ALTER TABLE email_outbox
    ADD COLUMN attempts        int         NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_error      text;
