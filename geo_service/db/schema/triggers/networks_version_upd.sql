-- Trigger networks_version_upd on networks: runs bump_data_version().
CREATE OR REPLACE TRIGGER networks_version_upd AFTER UPDATE ON networks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
