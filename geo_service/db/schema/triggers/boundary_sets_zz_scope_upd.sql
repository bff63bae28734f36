-- Trigger boundary_sets_zz_scope_upd on boundary_sets: runs note_shared_change().
CREATE OR REPLACE TRIGGER boundary_sets_zz_scope_upd AFTER UPDATE ON boundary_sets
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
