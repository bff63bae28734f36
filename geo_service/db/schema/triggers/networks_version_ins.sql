-- Trigger networks_version_ins on networks: runs bump_data_version().
CREATE OR REPLACE TRIGGER networks_version_ins AFTER INSERT ON networks
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
