-- Trigger practice_age_bands_version_ins on practice_age_bands: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_age_bands_version_ins AFTER INSERT ON practice_age_bands
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
