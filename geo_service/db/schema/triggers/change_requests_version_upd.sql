-- Trigger change_requests_version_upd on change_requests: runs bump_data_version().
CREATE OR REPLACE TRIGGER change_requests_version_upd AFTER UPDATE ON change_requests
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
