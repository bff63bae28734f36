-- Trigger memberships_zz_scope_del on memberships: runs note_scenario_change().
CREATE OR REPLACE TRIGGER memberships_zz_scope_del AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_scenario_change('scenario_id');
