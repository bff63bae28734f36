-- Trigger practice_register_scope_ins on practice_register: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_register_scope_ins AFTER INSERT ON practice_register
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
