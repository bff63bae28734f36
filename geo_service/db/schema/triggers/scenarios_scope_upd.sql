-- Trigger scenarios_scope_upd on scenarios: runs scope_state_on_scenarios().
CREATE OR REPLACE TRIGGER scenarios_scope_upd AFTER UPDATE ON scenarios
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_scenarios();
