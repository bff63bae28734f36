-- Trigger areas_zz_scope_ins on areas: runs note_shared_change().
CREATE OR REPLACE TRIGGER areas_zz_scope_ins AFTER INSERT ON areas
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
