-- Trigger memberships_version_del on memberships: runs bump_data_version().
CREATE OR REPLACE TRIGGER memberships_version_del AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
