-- Trigger analysis_points_memberships_upd on memberships: runs analysis_points_on_memberships_change().
CREATE OR REPLACE TRIGGER analysis_points_memberships_upd AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_points_on_memberships_change();
