-- Trigger analysis_areas_ins on areas: runs analysis_on_areas_change().
CREATE OR REPLACE TRIGGER analysis_areas_ins AFTER INSERT ON areas
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_areas_change();
