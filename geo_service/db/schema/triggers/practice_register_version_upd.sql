-- Trigger practice_register_version_upd on practice_register: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_register_version_upd AFTER UPDATE ON practice_register
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
