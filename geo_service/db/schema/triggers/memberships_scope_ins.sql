-- Trigger memberships_scope_ins on memberships: runs scope_state_on_memberships().
CREATE OR REPLACE TRIGGER memberships_scope_ins AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_memberships();
