-- Function analyze_scenario_partitions: ANALYZE the partitions of the tables ``p_tables`` (scenario_practice_state,
-- scenario_members, scenario_network_facts, scenario_member_nearest: the names scenario_state_partitions gives them)
-- that hold the scenarios ``p_scenario_ids``. The kept state's statements read the rows their previous statements
-- wrote: a partition made or refilled in this transaction has no (or stale) statistics, and the planner, taking it
-- for a handful of rows, chose nested loops that rescanned the other side for every row (England 2019/20's network
-- facts: 22.9 million join rows, 16 s, where a hash join takes 0.1 s). ANALYZE reads a sample: milliseconds.
CREATE OR REPLACE FUNCTION analyze_scenario_partitions(p_scenario_ids integer[], p_tables text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    sid integer;
    t text;
BEGIN
    FOREACH sid IN ARRAY coalesce(p_scenario_ids, '{}') LOOP
        FOREACH t IN ARRAY p_tables LOOP
            IF t NOT IN ('scenario_practice_state', 'scenario_members', 'scenario_network_facts',
                         'scenario_member_nearest') THEN
                RAISE EXCEPTION 'analyze_scenario_partitions: % is not a kept state table', t;
            END IF;
            IF to_regclass(format('%I', format('%s_%s', t, sid))) IS NOT NULL THEN
                EXECUTE format('ANALYZE %I', format('%s_%s', t, sid));
            END IF;
        END LOOP;
    END LOOP;
END $$;
