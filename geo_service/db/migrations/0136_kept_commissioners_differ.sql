-- Issue 19, the summary's database CPU (phase 2): cross-boundary by commissioner is kept per network with the other
-- network facts (refresh_scenario_network_facts; a new lead commissioner refreshes its network's facts:
-- scope_state_on_networks): whether the network's current members' commissioners differ from each other or from its
-- lead commissioner, as the rule's count query computes it over the members. The summary counts kept rows when the
-- kept facts apply (analysis_checks.kept_state), else computes it live.
ALTER TABLE scenario_network_facts ADD COLUMN commissioners_differ boolean NOT NULL DEFAULT false;

SELECT refresh_scenario_network_facts(array_agg(scenario_id)) FROM scenario_states HAVING count(*) > 0;
