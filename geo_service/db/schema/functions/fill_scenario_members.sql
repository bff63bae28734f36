-- Function fill_scenario_members: the kept members of scenarios (scenario_members), written once. Inserts a row for
-- every membership of the scenarios current on the scenario's own date (membership_is_current) whose practice has
-- a kept state row, with its network's code, name and lead; only the memberships ``p_membership_ids`` when given
-- (refresh_scenario_members), else all of them (refresh_scenario_state). The caller deletes the rows it replaces.
CREATE OR REPLACE FUNCTION fill_scenario_members(p_scenario_ids integer[], p_membership_ids integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scenario_members
    SELECT st.scenario_id, m.id, n.id, n.code, n.name, n.lead_commissioner_code, ps.practice_id, ps.ods_code,
           ps.name, ps.commissioner_code, ps.list_size, ps.extended_hours, ps.point_id
      FROM scenario_states st
      JOIN memberships m ON m.scenario_id = st.scenario_id AND membership_is_current(m.start_date, m.end_date, st.as_of)
      JOIN networks n ON n.id = m.network_id
      JOIN scenario_practice_state ps ON ps.scenario_id = st.scenario_id AND ps.practice_id = m.practice_id
     WHERE st.scenario_id = ANY (p_scenario_ids)
       AND (p_membership_ids IS NULL OR m.id = ANY (p_membership_ids));
END $$;
