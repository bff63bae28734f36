-- Trigger practice_deprivation_version_del on practice_deprivation: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_deprivation_version_del AFTER DELETE ON practice_deprivation
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
