-- Trigger practice_list_sizes_version_del on practice_list_sizes: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_list_sizes_version_del AFTER DELETE ON practice_list_sizes
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
