-- Issue 12 (plan editor): a membership change refreshes only the kept members it touches.
--
-- Until now every statement on memberships rebuilt the scenario's whole kept state (refresh_scenario_state:
-- practice_state of every practice of the nation, then every member): ~140 ms per statement on England, twice
-- per "move one practice" edit. Memberships never change scenario_practice_state (practice facts), only
-- scenario_members, and a scenario_members row is a function of ONE membership row (its network, and the
-- practice's kept state), so deleting the rows of the changed memberships and inserting them again from the
-- same SELECT as refresh_scenario_state gives exactly what a full refresh would.
-- Scenarios with no kept state yet (scenario_states row missing) and very large statements (bundle loads) still
-- take the full refresh. A network renamed (code, name, lead) updates its kept members in place.

CREATE OR REPLACE FUNCTION refresh_scenario_members(p_scenario_ids integer[], p_membership_ids integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scenario_members
     WHERE scenario_id = ANY (p_scenario_ids) AND membership_id = ANY (p_membership_ids);
    -- The same rows as refresh_scenario_state's last INSERT, for these memberships only.
    INSERT INTO scenario_members
    SELECT st.scenario_id, m.id, n.id, n.code, n.name, n.lead_commissioner_code, ps.practice_id, ps.ods_code,
           ps.name, ps.commissioner_code, ps.list_size, ps.extended_hours, ps.point_id
      FROM scenario_states st
      JOIN memberships m ON m.scenario_id = st.scenario_id
           AND (m.start_date IS NULL OR m.start_date <= st.as_of) AND (m.end_date IS NULL OR m.end_date >= st.as_of)
      JOIN networks n ON n.id = m.network_id
      JOIN scenario_practice_state ps ON ps.scenario_id = st.scenario_id AND ps.practice_id = m.practice_id
     WHERE st.scenario_id = ANY (p_scenario_ids) AND m.id = ANY (p_membership_ids);
END $$;

-- Above this many changed memberships in one statement a full refresh is as quick and simpler to trust.
CREATE OR REPLACE FUNCTION scope_state_incremental_limit() RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 2000
$$;

CREATE OR REPLACE FUNCTION scope_state_on_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    changed integer[];
    fresh integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT scenario_id), array_agg(id) INTO ids, changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT scenario_id), array_agg(id) INTO ids, changed FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x.scenario_id), array_agg(DISTINCT x.id) INTO ids, changed
          FROM (SELECT scenario_id, id FROM new_rows UNION ALL SELECT scenario_id, id FROM old_rows) x;
    END IF;
    -- Scenarios still there (a cascaded delete of a scenario takes its kept state with it).
    SELECT array_agg(s.id) INTO ids FROM scenarios s WHERE s.id = ANY (ids);
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(changed) > scope_state_incremental_limit() THEN
        PERFORM refresh_scenario_state(ids);
        RETURN NULL;
    END IF;
    -- No kept state yet: build it whole.
    SELECT array_agg(x.id) INTO fresh FROM unnest(ids) x (id)
     WHERE NOT EXISTS (SELECT 1 FROM scenario_states st WHERE st.scenario_id = x.id);
    IF fresh IS NOT NULL THEN
        PERFORM refresh_scenario_state(fresh);
        ids := ARRAY(SELECT x FROM unnest(ids) x WHERE x <> ALL (fresh));
    END IF;
    IF cardinality(ids) > 0 THEN
        PERFORM refresh_scenario_members(ids, changed);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION scope_state_on_networks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    -- A network moved to another scenario (never done by the service): rebuild both scenarios.
    SELECT array_agg(DISTINCT x.id) INTO ids
      FROM new_rows n JOIN old_rows o ON o.id = n.id, LATERAL (VALUES (n.scenario_id), (o.scenario_id)) x (id)
     WHERE n.scenario_id IS DISTINCT FROM o.scenario_id;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    UPDATE scenario_members sm
       SET network_code = n.code, network_name = n.name, lead = n.lead_commissioner_code
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE sm.scenario_id = n.scenario_id AND sm.network_id = n.id AND n.scenario_id = o.scenario_id
       AND (n.code, n.name, n.lead_commissioner_code) IS DISTINCT FROM (o.code, o.name, o.lead_commissioner_code);
    RETURN NULL;
END $$;
