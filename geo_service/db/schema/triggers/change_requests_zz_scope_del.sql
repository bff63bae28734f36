-- Trigger change_requests_zz_scope_del on change_requests: runs note_scenario_change().
CREATE OR REPLACE TRIGGER change_requests_zz_scope_del AFTER DELETE ON change_requests
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
