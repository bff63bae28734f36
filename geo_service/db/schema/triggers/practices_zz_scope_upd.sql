-- Trigger practices_zz_scope_upd on practices: runs note_shared_change().
CREATE OR REPLACE TRIGGER practices_zz_scope_upd AFTER UPDATE ON practices
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
