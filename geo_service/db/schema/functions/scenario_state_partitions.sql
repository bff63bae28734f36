-- Function scenario_state_partitions.
CREATE OR REPLACE FUNCTION scenario_state_partitions(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    sid integer;
    t text;
BEGIN
    FOR sid IN SELECT s.id FROM scenarios s WHERE s.id = ANY (p_scenario_ids) LOOP
        FOREACH t IN ARRAY ARRAY['scenario_practice_state', 'scenario_members', 'scenario_network_facts',
                                 'scenario_member_nearest'] LOOP
            IF to_regclass(format('%s_%s', t, sid)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)', format('%s_%s', t, sid), t, sid);
            END IF;
        END LOOP;
    END LOOP;
END $$;
