-- Trigger analysis_points_memberships_del on memberships: runs analysis_points_on_memberships_change().
CREATE OR REPLACE TRIGGER analysis_points_memberships_del AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_points_on_memberships_change();
