-- Trigger scenarios_version_upd on scenarios: runs bump_data_version().
CREATE OR REPLACE TRIGGER scenarios_version_upd AFTER UPDATE ON scenarios
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
