-- Issue 12: users, roles, API tokens and the append-only audit log.
-- Passwords: argon2id hashes (argon2-cffi). API tokens: sha256 hex of a secrets.token_urlsafe(32) token;
-- a 256-bit random token cannot be guessed, so a fast hash is enough (no slow hash needed, unlike passwords).

CREATE TABLE users (
    id             serial PRIMARY KEY,
    username       text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    display_name   text NOT NULL,
    password_hash  text,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE user_roles (
    id                 serial PRIMARY KEY,
    user_id            integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role               text NOT NULL CHECK (role IN ('editor', 'approver', 'admin')),
    commissioner_code  text   -- NULL: everywhere; for approvers the commissioner area they approve for
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, coalesce(commissioner_code, '*'));

CREATE TABLE api_tokens (
    id            serial PRIMARY KEY,
    user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label         text NOT NULL,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE audit_log (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_id       integer,
    actor_name     text NOT NULL,
    request_id     text,
    action         text NOT NULL,
    resource_kind  text NOT NULL,
    resource_id    text,
    scenario_id    integer,
    network_id     integer,
    practice_id    integer,
    before         jsonb,
    after          jsonb
);
CREATE INDEX audit_log_scenario_idx ON audit_log (scenario_id, id DESC);
CREATE INDEX audit_log_network_idx ON audit_log (network_id, id DESC);
CREATE INDEX audit_log_practice_idx ON audit_log (practice_id, id DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
