-- Trigger memberships_scope_del on memberships: runs scope_state_on_memberships().
CREATE OR REPLACE TRIGGER memberships_scope_del AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_memberships();
