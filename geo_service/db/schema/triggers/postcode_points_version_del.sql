-- Trigger postcode_points_version_del on postcode_points: runs bump_data_version().
CREATE OR REPLACE TRIGGER postcode_points_version_del AFTER DELETE ON postcode_points
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
