-- Trigger practice_commissioner_statements_version_ins on practice_commissioner_statements: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_version_ins AFTER INSERT ON practice_commissioner_statements
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
