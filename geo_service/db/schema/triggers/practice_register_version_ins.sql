-- Trigger practice_register_version_ins on practice_register: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_register_version_ins AFTER INSERT ON practice_register
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
