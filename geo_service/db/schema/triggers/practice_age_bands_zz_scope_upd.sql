-- Trigger practice_age_bands_zz_scope_upd on practice_age_bands: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_age_bands_zz_scope_upd AFTER UPDATE ON practice_age_bands
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
