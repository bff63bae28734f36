-- Issue 12: change requests to a baseline scenario's memberships, approved or rejected per commissioner.
-- Only approved requests change memberships (ending the old one the day before the effective date and
-- starting the new one on it), so a scenario's history stays its memberships.

CREATE TABLE change_requests (
    id                  serial PRIMARY KEY,
    scenario_id         integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    practice_id         integer NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('join', 'leave', 'move')),
    from_network_id     integer REFERENCES networks (id) ON DELETE CASCADE,
    to_network_id       integer REFERENCES networks (id) ON DELETE CASCADE,
    effective_date      date NOT NULL,
    reason              text NOT NULL CHECK (length(btrim(reason)) > 0),
    commissioner_codes  text[] NOT NULL DEFAULT '{}',   -- whose approvers decide (practice's and networks')
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    version             integer NOT NULL DEFAULT 1,
    proposed_by         integer REFERENCES users (id),
    proposed_at         timestamptz NOT NULL DEFAULT now(),
    decided_by          integer REFERENCES users (id),
    decided_at          timestamptz,
    decision_comment    text,
    CHECK ((kind = 'join' AND from_network_id IS NULL AND to_network_id IS NOT NULL)
        OR (kind = 'leave' AND from_network_id IS NOT NULL AND to_network_id IS NULL)
        OR (kind = 'move' AND from_network_id IS NOT NULL AND to_network_id IS NOT NULL
            AND from_network_id <> to_network_id)),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX change_requests_scenario_idx ON change_requests (scenario_id, status, id DESC);
