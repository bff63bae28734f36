-- Trigger practice_age_bands_version_del on practice_age_bands: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_age_bands_version_del AFTER DELETE ON practice_age_bands
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
