-- Trigger scenarios_zz_scope_ins on scenarios: runs note_scenario_change().
CREATE OR REPLACE TRIGGER scenarios_zz_scope_ins AFTER INSERT ON scenarios
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('id');
