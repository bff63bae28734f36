-- Trigger practice_list_sizes_version_upd on practice_list_sizes: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_list_sizes_version_upd AFTER UPDATE ON practice_list_sizes
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
