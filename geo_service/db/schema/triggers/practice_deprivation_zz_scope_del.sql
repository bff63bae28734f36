-- Trigger practice_deprivation_zz_scope_del on practice_deprivation: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_deprivation_zz_scope_del AFTER DELETE ON practice_deprivation
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
