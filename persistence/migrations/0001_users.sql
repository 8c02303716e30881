-- Users, e-mail verification and the outbox of e-mails the gateways deliver.
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL,
    password_hash   text        NOT NULL,
    first_name      text        NOT NULL DEFAULT '',
    last_name       text        NOT NULL DEFAULT '',
    phone           text,
    is_staff        boolean     NOT NULL DEFAULT false,
    is_active       boolean     NOT NULL DEFAULT true,
    email_verified  boolean     NOT NULL DEFAULT false,
    -- Bumped on every password change; tokens carry it as "ver", so revocation is exact.
    token_version   integer     NOT NULL DEFAULT 1,
    date_joined     timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- Only a SHA-256 of the token is stored: a leaked table cannot verify anybody.
CREATE TABLE email_verification_tokens (
    token_hash  text        PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX email_verification_tokens_user ON email_verification_tokens (user_id);

-- Transactional outbox: rows are written in the same transaction as the change that
-- causes the e-mail; the e-mail integration actor delivers them.
CREATE TABLE email_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint      REFERENCES users (id) ON DELETE SET NULL,
    recipient   text        NOT NULL,
    template    text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status      text        NOT NULL DEFAULT 'queued',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX email_outbox_queued ON email_outbox (id) WHERE status = 'queued';
