-- Trigger networks_version_del on networks: runs bump_data_version().
CREATE OR REPLACE TRIGGER networks_version_del AFTER DELETE ON networks
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
