-- Trigger network_point_distance_locations_ins on network_point_distance: runs scope_state_on_network_points().
CREATE OR REPLACE TRIGGER network_point_distance_locations_ins AFTER INSERT ON network_point_distance
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_network_points();
