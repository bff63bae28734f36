-- Trigger practices_version_ins on practices: runs bump_data_version().
CREATE OR REPLACE TRIGGER practices_version_ins AFTER INSERT ON practices
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
