-- Issue 21: browser sessions kept server-side, so signing out (or an admin) ends them for good.
-- The cookie carries a random session key; only its sha256 is stored. A cookie whose key has no live row here
-- signs nobody in, whatever key signed the cookie.
CREATE TABLE user_sessions (
    id          bigserial PRIMARY KEY,
    user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id) WHERE revoked_at IS NULL;
