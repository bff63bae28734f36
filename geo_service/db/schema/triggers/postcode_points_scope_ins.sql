-- Trigger postcode_points_scope_ins on postcode_points: runs scope_state_on_facts().
CREATE OR REPLACE TRIGGER postcode_points_scope_ins AFTER INSERT ON postcode_points
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_facts();
