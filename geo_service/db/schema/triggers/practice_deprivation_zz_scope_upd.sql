-- Trigger practice_deprivation_zz_scope_upd on practice_deprivation: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_deprivation_zz_scope_upd AFTER UPDATE ON practice_deprivation
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
