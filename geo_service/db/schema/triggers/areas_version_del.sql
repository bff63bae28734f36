-- Trigger areas_version_del on areas: runs bump_data_version().
CREATE OR REPLACE TRIGGER areas_version_del AFTER DELETE ON areas
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
