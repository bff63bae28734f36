-- Trigger postcode_points_zz_scope_upd on postcode_points: runs note_shared_change().
CREATE OR REPLACE TRIGGER postcode_points_zz_scope_upd AFTER UPDATE ON postcode_points
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
