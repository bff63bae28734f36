-- Trigger scenarios_version_del on scenarios: runs bump_data_version().
CREATE OR REPLACE TRIGGER scenarios_version_del AFTER DELETE ON scenarios
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
