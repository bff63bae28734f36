-- Trigger analysis_area_geometry_ins on areas: runs analysis_area_geometry_on_areas_change().
CREATE OR REPLACE TRIGGER analysis_area_geometry_ins AFTER INSERT ON areas
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_area_geometry_on_areas_change();
