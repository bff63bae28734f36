-- Trigger practice_commissioner_statements_version_del on practice_commissioner_statements: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_version_del AFTER DELETE ON practice_commissioner_statements
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
