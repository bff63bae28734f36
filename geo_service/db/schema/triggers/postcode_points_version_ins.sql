-- Trigger postcode_points_version_ins on postcode_points: runs bump_data_version().
CREATE OR REPLACE TRIGGER postcode_points_version_ins AFTER INSERT ON postcode_points
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
