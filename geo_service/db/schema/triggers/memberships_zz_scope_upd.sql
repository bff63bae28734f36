-- Trigger memberships_zz_scope_upd on memberships: runs note_scenario_change().
CREATE OR REPLACE TRIGGER memberships_zz_scope_upd AFTER UPDATE ON memberships
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
