-- Trigger practice_commissioner_statements_scope_ins on practice_commissioner_statements: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_commissioner_statements_scope_ins AFTER INSERT ON practice_commissioner_statements
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
