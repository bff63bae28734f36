-- Trigger practice_list_sizes_zz_scope_del on practice_list_sizes: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_list_sizes_zz_scope_del AFTER DELETE ON practice_list_sizes
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
