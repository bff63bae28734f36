-- Trigger practice_list_sizes_zz_scope_upd on practice_list_sizes: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_list_sizes_zz_scope_upd AFTER UPDATE ON practice_list_sizes
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
