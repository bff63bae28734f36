-- Trigger practice_age_bands_zz_scope_del on practice_age_bands: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_age_bands_zz_scope_del AFTER DELETE ON practice_age_bands
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
