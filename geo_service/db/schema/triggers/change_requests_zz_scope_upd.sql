-- Trigger change_requests_zz_scope_upd on change_requests: runs note_scenario_change().
CREATE OR REPLACE TRIGGER change_requests_zz_scope_upd AFTER UPDATE ON change_requests
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
