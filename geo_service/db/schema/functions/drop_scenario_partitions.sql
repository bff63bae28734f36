-- Function drop_scenario_partitions: trigger function. A scenario's kept-state partitions
-- (scenario_practice_state_<id>, scenario_members_<id>, scenario_network_facts_<id>, scenario_member_nearest_<id>,
-- made by scenario_state_partitions) go with it: after a
-- statement deletes scenarios, every partition of the two tables whose scenario no longer exists is dropped (those
-- left behind by deletes made before this trigger existed too). Their rows are already gone (ON DELETE CASCADE).
CREATE OR REPLACE FUNCTION drop_scenario_partitions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
BEGIN
    FOR part IN
        SELECT c.oid::regclass
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent IN ('scenario_practice_state'::regclass, 'scenario_members'::regclass,
                                'scenario_network_facts'::regclass, 'scenario_member_nearest'::regclass)
           AND NOT EXISTS (
                   SELECT 1 FROM scenarios s
                    WHERE s.id = substring(pg_get_expr(c.relpartbound, c.oid) FROM '^FOR VALUES IN \((\d+)\)$')::integer)
    LOOP
        EXECUTE format('DROP TABLE %s', part);
    END LOOP;
    RETURN NULL;
END $$;
