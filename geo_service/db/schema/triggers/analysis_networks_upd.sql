-- Trigger analysis_networks_upd on networks: runs analysis_on_networks_change().
CREATE OR REPLACE TRIGGER analysis_networks_upd AFTER UPDATE ON networks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION analysis_on_networks_change();
