-- Trigger memberships_version_ins on memberships: runs bump_data_version().
CREATE OR REPLACE TRIGGER memberships_version_ins AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
