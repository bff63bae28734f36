-- Trigger scenarios_partitions_del on scenarios: runs drop_scenario_partitions().
CREATE OR REPLACE TRIGGER scenarios_partitions_del AFTER DELETE ON scenarios
    FOR EACH STATEMENT
    EXECUTE FUNCTION drop_scenario_partitions();
