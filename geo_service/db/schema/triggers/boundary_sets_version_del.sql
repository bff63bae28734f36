-- Trigger boundary_sets_version_del on boundary_sets: runs bump_data_version().
CREATE OR REPLACE TRIGGER boundary_sets_version_del AFTER DELETE ON boundary_sets
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
