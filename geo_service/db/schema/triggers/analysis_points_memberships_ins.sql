-- Trigger analysis_points_memberships_ins on memberships: runs analysis_points_on_memberships_insert().
CREATE OR REPLACE TRIGGER analysis_points_memberships_ins AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_points_on_memberships_insert();
