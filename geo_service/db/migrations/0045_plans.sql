-- Plans are scenarios (issue 12): an owner, a status, a visibility, an archive date and a version that every
-- write bumps (the plan's ETag); plans shared with named users; networks that can be locked; and the edit
-- log that undo/redo replays (per plan and editing session).
--
-- status: 'baseline' (imported scenarios: they change only through change requests), or a plan's
-- 'draft' -> 'submitted' -> 'approved'. visibility: 'public' | 'private'. Draft or private plans are seen only
-- by their owner, the users they are shared with, and admins (geo_service/plans/visibility.py).
ALTER TABLE scenarios
    ADD COLUMN owner_id     integer,
    ADD COLUMN status       text NOT NULL DEFAULT 'baseline'
        CHECK (status IN ('draft', 'submitted', 'approved', 'baseline')),
    ADD COLUMN visibility   text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    ADD COLUMN archived_at  timestamptz,
    ADD COLUMN copied_from  integer REFERENCES scenarios (id) ON DELETE SET NULL,
    ADD COLUMN version      bigint NOT NULL DEFAULT 1;

CREATE TABLE scenario_shares (
    scenario_id  integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    user_id      integer NOT NULL,
    shared_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scenario_id, user_id)
);

-- Users come from the access work (migration 0040); link to them when that table is there.
DO $$
BEGIN
    IF to_regclass('users') IS NOT NULL THEN
        ALTER TABLE scenarios ADD CONSTRAINT scenarios_owner_fkey
            FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL;
        ALTER TABLE scenario_shares ADD CONSTRAINT scenario_shares_user_fkey
            FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
    END IF;
END $$;

ALTER TABLE networks
    ADD COLUMN locked_at     timestamptz,
    ADD COLUMN locked_by     integer,
    ADD COLUMN lock_reason   text;

-- One row per edit of a plan. ``forward`` and ``inverse`` are lists of primitive operations on networks named
-- by code (stable across undo/redo, unlike ids): undo applies ``inverse``, redo applies ``forward``.
CREATE TABLE plan_edits (
    id           bigserial PRIMARY KEY,
    scenario_id  integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    session_id   text NOT NULL CHECK (session_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    actor_id     integer,
    kind         text NOT NULL,
    summary      text NOT NULL,
    forward      jsonb NOT NULL,
    inverse      jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_edits_session_idx ON plan_edits (scenario_id, session_id, id);
