-- Issue 19, the summary computed in at most 30 ms: what the checks' ``population`` CTE computes per network, and each
-- member's distance to the nearest other located member of its network (the outlying-members rule's input), are
-- kept per scenario beside scenario_members, one partition per scenario (scenario_state_partitions), maintained where
-- scenario_members is (refresh_scenario_state whole, refresh_scenario_members for the networks an edit touches,
-- scope_state_on_payments when a payments file comes or goes). The summary reads them only when the scenario's kept
-- state was built for exactly the request's scope and the parameters are the defaults; otherwise it computes live.
--
-- scenario_states.hours_extract_id: the payments file the kept extended-hours aggregates read (NULL: none, the
-- register's own statement only); the *_register columns hold the same aggregates from the register's statement
-- alone. A scope that reads extended hours from a payments file uses the first only when it is that same file; a
-- scope that reads them from the register (or cannot judge them) uses the *_register columns.
ALTER TABLE scenario_states ADD COLUMN hours_extract_id integer;

CREATE TABLE scenario_network_facts (
    scenario_id integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    network_id integer NOT NULL,
    member_count integer NOT NULL,
    population bigint NOT NULL,
    unknown_list_sizes integer NOT NULL,
    unknown_list_size_practices text[],
    largest_list_size integer,
    largest_code text,
    largest_name text,
    second_code text,
    second_list_size integer,
    covered_population bigint NOT NULL,
    known_hours_population bigint NOT NULL,
    not_offering text[],
    hours_unknown text[],
    covered_population_register bigint NOT NULL,
    known_hours_population_register bigint NOT NULL,
    not_offering_register text[],
    hours_unknown_register text[],
    PRIMARY KEY (scenario_id, network_id)
) PARTITION BY LIST (scenario_id);

CREATE TABLE scenario_member_nearest (
    scenario_id integer NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    membership_id integer NOT NULL,
    network_id integer NOT NULL,
    practice_id integer NOT NULL,
    ods_code text NOT NULL,
    -- metres on the ellipsoid (geography) to the nearest other located member of the network; NULL when the
    -- network has no other located member
    nearest_m double precision,
    PRIMARY KEY (scenario_id, membership_id)
) PARTITION BY LIST (scenario_id);

COMMENT ON TABLE scenario_network_facts IS
    'Per scenario and network: the checks'' population aggregates over its kept members (issue 19)';
COMMENT ON TABLE scenario_member_nearest IS
    'Per scenario and located current member: distance to the nearest other located member of its network (issue 19)';

-- Partitions and rows for the scenarios whose state is already kept.
SELECT scenario_state_partitions(array_agg(scenario_id)) FROM scenario_states HAVING count(*) > 0;
SELECT refresh_scenario_network_facts(array_agg(scenario_id)) FROM scenario_states HAVING count(*) > 0;
