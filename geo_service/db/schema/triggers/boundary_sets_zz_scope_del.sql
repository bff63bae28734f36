-- Trigger boundary_sets_zz_scope_del on boundary_sets: runs note_shared_change().
CREATE OR REPLACE TRIGGER boundary_sets_zz_scope_del AFTER DELETE ON boundary_sets
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
