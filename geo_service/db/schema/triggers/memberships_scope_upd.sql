-- Trigger memberships_scope_upd on memberships: runs scope_state_on_memberships().
CREATE OR REPLACE TRIGGER memberships_scope_upd AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_memberships();
