-- Trigger practice_register_zz_scope_del on practice_register: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_register_zz_scope_del AFTER DELETE ON practice_register
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
