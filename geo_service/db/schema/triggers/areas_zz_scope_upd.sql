-- Trigger areas_zz_scope_upd on areas: runs note_shared_change().
CREATE OR REPLACE TRIGGER areas_zz_scope_upd AFTER UPDATE ON areas
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
