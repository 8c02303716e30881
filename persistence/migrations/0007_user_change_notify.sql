-- Every node caches a user's record (token version, active flag, staff role) in the user's
-- actor. A change to those, made by any node or by hand in SQL, is announced on the channel
-- user_changed (payload: the user id), so every listening node reads the user again at once
-- instead of after CACHE_TTL_MS. NOTIFY is delivered on commit, and not at all on rollback.
CREATE FUNCTION notify_user_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'DELETE'
     OR NEW.password_hash IS DISTINCT FROM OLD.password_hash
     OR NEW.token_version IS DISTINCT FROM OLD.token_version
     OR NEW.is_active IS DISTINCT FROM OLD.is_active
     OR NEW.is_staff IS DISTINCT FROM OLD.is_staff THEN
    PERFORM pg_notify('user_changed', OLD.id::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER users_changed_notify
    AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_user_changed();
