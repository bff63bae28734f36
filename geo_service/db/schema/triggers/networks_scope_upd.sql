-- Trigger networks_scope_upd on networks: runs scope_state_on_networks().
CREATE OR REPLACE TRIGGER networks_scope_upd AFTER UPDATE ON networks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_networks();
