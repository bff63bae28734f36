-- Trigger analysis_points_ins on postcode_points: runs analysis_on_points_insert().
CREATE OR REPLACE TRIGGER analysis_points_ins AFTER INSERT ON postcode_points
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_points_insert();
