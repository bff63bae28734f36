-- Trigger practice_list_sizes_scope_upd on practice_list_sizes: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER practice_list_sizes_scope_upd AFTER UPDATE ON practice_list_sizes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
