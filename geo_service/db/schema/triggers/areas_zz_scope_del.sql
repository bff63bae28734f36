-- Trigger areas_zz_scope_del on areas: runs note_shared_change().
CREATE OR REPLACE TRIGGER areas_zz_scope_del AFTER DELETE ON areas
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
