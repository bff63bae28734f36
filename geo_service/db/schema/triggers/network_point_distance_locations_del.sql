-- Trigger network_point_distance_locations_del on network_point_distance: runs scope_state_on_network_points().
CREATE OR REPLACE TRIGGER network_point_distance_locations_del AFTER DELETE ON network_point_distance
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_network_points();
