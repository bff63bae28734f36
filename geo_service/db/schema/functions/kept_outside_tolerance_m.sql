-- Function kept_outside_tolerance_m: the distance (m) outside its network polygon a member may sit, as kept per
-- network (scenario_network_facts.members_outside, migration 0140): the default of the geometry rule's
-- ``outside_tolerance_m`` (analysis/rules/geometry.py; tests/analysis/test_kept_network_facts.py checks they agree).
-- Immutable, so a summary comparing the request's tolerance with it is decided when the statement is planned.
CREATE OR REPLACE FUNCTION kept_outside_tolerance_m() RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT 10.0::double precision
$$;
