-- Trigger point_areas_locations_del on point_areas: runs scope_state_on_point_areas().
CREATE OR REPLACE TRIGGER point_areas_locations_del AFTER DELETE ON point_areas
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_point_areas();
