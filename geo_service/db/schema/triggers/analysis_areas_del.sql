-- Trigger analysis_areas_del on areas: runs analysis_on_areas_change().
CREATE OR REPLACE TRIGGER analysis_areas_del AFTER DELETE ON areas
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_areas_change();
