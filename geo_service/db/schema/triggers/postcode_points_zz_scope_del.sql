-- Trigger postcode_points_zz_scope_del on postcode_points: runs note_shared_change().
CREATE OR REPLACE TRIGGER postcode_points_zz_scope_del AFTER DELETE ON postcode_points
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
