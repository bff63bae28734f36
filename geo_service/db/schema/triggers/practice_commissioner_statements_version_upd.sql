-- Trigger practice_commissioner_statements_version_upd on practice_commissioner_statements: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_version_upd AFTER UPDATE ON practice_commissioner_statements
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
