-- Trigger networks_zz_scope_del on networks: runs note_scenario_change().
CREATE OR REPLACE TRIGGER networks_zz_scope_del AFTER DELETE ON networks
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
