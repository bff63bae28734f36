-- Trigger analysis_points_networks_ins on networks: runs analysis_points_on_networks_change().
CREATE OR REPLACE TRIGGER analysis_points_networks_ins AFTER INSERT ON networks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_points_on_networks_change();
