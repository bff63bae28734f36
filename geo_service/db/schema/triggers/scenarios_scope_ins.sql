-- Trigger scenarios_scope_ins on scenarios: runs scope_state_on_scenarios().
CREATE OR REPLACE TRIGGER scenarios_scope_ins AFTER INSERT ON scenarios
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_scenarios();
