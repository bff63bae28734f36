-- Trigger analysis_area_geometry_upd on areas: runs analysis_area_geometry_on_areas_change().
CREATE OR REPLACE TRIGGER analysis_area_geometry_upd AFTER UPDATE ON areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_area_geometry_on_areas_change();
