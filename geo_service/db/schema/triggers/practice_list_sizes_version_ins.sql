-- Trigger practice_list_sizes_version_ins on practice_list_sizes: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_list_sizes_version_ins AFTER INSERT ON practice_list_sizes
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
