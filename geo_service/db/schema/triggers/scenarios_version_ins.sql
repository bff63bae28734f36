-- Trigger scenarios_version_ins on scenarios: runs bump_data_version().
CREATE OR REPLACE TRIGGER scenarios_version_ins AFTER INSERT ON scenarios
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
