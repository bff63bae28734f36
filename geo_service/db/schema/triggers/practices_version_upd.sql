-- Trigger practices_version_upd on practices: runs bump_data_version().
CREATE OR REPLACE TRIGGER practices_version_upd AFTER UPDATE ON practices
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
