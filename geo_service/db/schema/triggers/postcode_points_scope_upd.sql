-- Trigger postcode_points_scope_upd on postcode_points: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER postcode_points_scope_upd AFTER UPDATE ON postcode_points
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
