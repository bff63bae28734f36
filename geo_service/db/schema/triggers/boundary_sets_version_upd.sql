-- Trigger boundary_sets_version_upd on boundary_sets: runs bump_data_version().
CREATE OR REPLACE TRIGGER boundary_sets_version_upd AFTER UPDATE ON boundary_sets
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
