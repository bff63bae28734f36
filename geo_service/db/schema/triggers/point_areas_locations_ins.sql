-- Trigger point_areas_locations_ins on point_areas: runs scope_state_on_point_areas().
CREATE OR REPLACE TRIGGER point_areas_locations_ins AFTER INSERT ON point_areas
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_point_areas();
