-- Trigger postcode_points_version_upd on postcode_points: runs bump_data_version().
CREATE OR REPLACE TRIGGER postcode_points_version_upd AFTER UPDATE ON postcode_points
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
