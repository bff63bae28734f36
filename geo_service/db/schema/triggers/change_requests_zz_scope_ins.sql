-- Trigger change_requests_zz_scope_ins on change_requests: runs note_scenario_change().
CREATE OR REPLACE TRIGGER change_requests_zz_scope_ins AFTER INSERT ON change_requests
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
