-- Trigger postcode_points_zz_scope_ins on postcode_points: runs note_shared_change().
CREATE OR REPLACE TRIGGER postcode_points_zz_scope_ins AFTER INSERT ON postcode_points
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
