-- The baseline for the track benchmark: the minimal single-row INSERT of one analytics event,
-- what a handler writing each event itself would cost (one statement, one commit per event).
\set n random(1, 10000)
INSERT INTO analytics_events (id, type, occurred_at, data)
VALUES (nextval('analytics_events_id_seq'), 'page_view', now(),
        jsonb_build_object('type', 'page_view', 'page', '/products/' || :n, 'user_agent', 'pgbench'));
