-- Trigger areas_version_ins on areas: runs bump_data_version().
CREATE OR REPLACE TRIGGER areas_version_ins AFTER INSERT ON areas
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
