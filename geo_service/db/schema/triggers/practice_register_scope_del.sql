-- Trigger practice_register_scope_del on practice_register: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_register_scope_del AFTER DELETE ON practice_register
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
