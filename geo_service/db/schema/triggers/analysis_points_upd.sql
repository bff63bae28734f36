-- Trigger analysis_points_upd on postcode_points: runs analysis_on_points_update().
CREATE OR REPLACE TRIGGER analysis_points_upd AFTER UPDATE ON postcode_points
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_points_update();
