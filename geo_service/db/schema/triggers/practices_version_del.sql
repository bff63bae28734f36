-- Trigger practices_version_del on practices: runs bump_data_version().
CREATE OR REPLACE TRIGGER practices_version_del AFTER DELETE ON practices
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
