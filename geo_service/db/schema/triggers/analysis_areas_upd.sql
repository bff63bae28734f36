-- Trigger analysis_areas_upd on areas: runs analysis_on_areas_change().
CREATE OR REPLACE TRIGGER analysis_areas_upd AFTER UPDATE ON areas
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_areas_change();
