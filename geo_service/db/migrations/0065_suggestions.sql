-- Suggested networks (issue 22): what each suggestion was asked and answered (its draft plan, the scorecard
-- against its baseline, one sentence per moved practice, why areas could not meet the rules), and the
-- background jobs that make suggestions for a whole boundary set (claimed with FOR UPDATE SKIP LOCKED; a
-- running job whose worker stops beating is taken up again, so a job survives a restart of the web process).
CREATE TABLE plan_suggestions (
    id               bigserial PRIMARY KEY,
    plan_id          integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    source_id        integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    owner_id         integer REFERENCES users (id) ON DELETE SET NULL,
    boundary_set_id  integer REFERENCES boundary_sets (id) ON DELETE SET NULL,
    area_code        text,
    parameters       jsonb NOT NULL,
    scorecard        jsonb NOT NULL,
    moves            jsonb NOT NULL,
    notes            jsonb NOT NULL,
    seconds          double precision NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_suggestions_plan_idx ON plan_suggestions (plan_id, id DESC);

CREATE TABLE suggest_jobs (
    id            bigserial PRIMARY KEY,
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    owner_id      integer REFERENCES users (id) ON DELETE SET NULL,
    request       jsonb NOT NULL,
    progress      integer NOT NULL DEFAULT 0,
    total         integer NOT NULL DEFAULT 0,
    message       text,
    plan_slug     text,
    error         text,
    attempts      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    heartbeat_at  timestamptz,
    finished_at   timestamptz
);
CREATE INDEX suggest_jobs_waiting_idx ON suggest_jobs (id) WHERE state IN ('queued', 'running');
