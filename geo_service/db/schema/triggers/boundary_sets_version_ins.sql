-- Trigger boundary_sets_version_ins on boundary_sets: runs bump_data_version().
CREATE OR REPLACE TRIGGER boundary_sets_version_ins AFTER INSERT ON boundary_sets
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
