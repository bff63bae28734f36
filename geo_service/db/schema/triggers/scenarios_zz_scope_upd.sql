-- Trigger scenarios_zz_scope_upd on scenarios: runs note_scenario_change().
CREATE OR REPLACE TRIGGER scenarios_zz_scope_upd AFTER UPDATE ON scenarios
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('id');
