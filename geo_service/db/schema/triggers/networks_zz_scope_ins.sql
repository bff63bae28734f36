-- Trigger networks_zz_scope_ins on networks: runs note_scenario_change().
CREATE OR REPLACE TRIGGER networks_zz_scope_ins AFTER INSERT ON networks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
