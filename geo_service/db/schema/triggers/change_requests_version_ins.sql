-- Trigger change_requests_version_ins on change_requests: runs bump_data_version().
CREATE OR REPLACE TRIGGER change_requests_version_ins AFTER INSERT ON change_requests
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
