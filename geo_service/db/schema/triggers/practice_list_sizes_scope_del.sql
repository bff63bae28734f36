-- Trigger practice_list_sizes_scope_del on practice_list_sizes: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_list_sizes_scope_del AFTER DELETE ON practice_list_sizes
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
