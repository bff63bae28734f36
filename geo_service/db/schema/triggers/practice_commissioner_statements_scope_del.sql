-- Trigger practice_commissioner_statements_scope_del on practice_commissioner_statements: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_scope_del AFTER DELETE ON practice_commissioner_statements
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
