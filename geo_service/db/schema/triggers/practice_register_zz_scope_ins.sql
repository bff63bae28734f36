-- Trigger practice_register_zz_scope_ins on practice_register: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_register_zz_scope_ins AFTER INSERT ON practice_register
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
