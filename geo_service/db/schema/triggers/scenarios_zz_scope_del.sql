-- Trigger scenarios_zz_scope_del on scenarios: runs note_scenario_change().
CREATE OR REPLACE TRIGGER scenarios_zz_scope_del AFTER DELETE ON scenarios
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('id');
