-- Trigger practice_deprivation_version_upd on practice_deprivation: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_deprivation_version_upd AFTER UPDATE ON practice_deprivation
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
