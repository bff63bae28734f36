-- Trigger postcode_points_scope_del on postcode_points: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER postcode_points_scope_del AFTER DELETE ON postcode_points
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
