-- Trigger practice_register_version_del on practice_register: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_register_version_del AFTER DELETE ON practice_register
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
