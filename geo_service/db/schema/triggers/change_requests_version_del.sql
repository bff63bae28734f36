-- Trigger change_requests_version_del on change_requests: runs bump_data_version().
CREATE OR REPLACE TRIGGER change_requests_version_del AFTER DELETE ON change_requests
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
