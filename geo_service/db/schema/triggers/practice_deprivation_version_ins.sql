-- Trigger practice_deprivation_version_ins on practice_deprivation: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_deprivation_version_ins AFTER INSERT ON practice_deprivation
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
