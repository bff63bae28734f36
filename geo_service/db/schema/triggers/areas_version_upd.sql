-- Trigger areas_version_upd on areas: runs bump_data_version().
CREATE OR REPLACE TRIGGER areas_version_upd AFTER UPDATE ON areas
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
