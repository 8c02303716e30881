-- A notification sent by a job (notification.send) carries its task's id. The job claims the
-- row before it calls the gateway, so a redelivered or retried run of the same task finds it,
-- and sends nothing more once it is 'sent': one notification per task and channel.
ALTER TABLE notifications ADD COLUMN task_id uuid;
CREATE UNIQUE INDEX notifications_one_per_task ON notifications (task_id, type) WHERE task_id IS NOT NULL;
