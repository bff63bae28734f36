-- Trigger practices_zz_scope_del on practices: runs note_shared_change().
CREATE OR REPLACE TRIGGER practices_zz_scope_del AFTER DELETE ON practices
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
