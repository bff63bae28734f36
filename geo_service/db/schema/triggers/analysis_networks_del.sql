-- Trigger analysis_networks_del on networks: runs analysis_on_networks_change().
CREATE OR REPLACE TRIGGER analysis_networks_del AFTER DELETE ON networks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_networks_change();
