-- Trigger practices_zz_scope_ins on practices: runs note_shared_change().
CREATE OR REPLACE TRIGGER practices_zz_scope_ins AFTER INSERT ON practices
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
