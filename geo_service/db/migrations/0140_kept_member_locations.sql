-- Issue 19, the summary's database CPU (phase 3): where each network's members lie is kept with the other network
-- facts (refresh_scenario_network_locations, called by refresh_scenario_network_facts):
-- - member_location_sets: the boundary sets in which the network's current members are located in more than one
--   area (point_areas of their points): cross-boundary by member location, parameter-free;
-- - members_outside: the ODS codes of its members further than the default tolerance (kept_outside_tolerance_m())
--   from its polygon (network_point_distance): members outside their polygon at the default tolerance.
-- Statement triggers on point_areas (area imports and edits, new points) and network_point_distance (polygon edits,
-- members' new points) refresh them for the networks whose members those rows concern. The summary counts kept rows
-- when the kept facts apply (analysis_checks.kept_state) and, for members outside, the tolerance is the default;
-- else it computes them live.
ALTER TABLE scenario_network_facts
    ADD COLUMN member_location_sets integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN members_outside text[] NOT NULL DEFAULT '{}';

SELECT refresh_scenario_network_locations(array_agg(scenario_id)) FROM scenario_states HAVING count(*) > 0;
