-- Trigger practice_payments_scope_ins on practice_payments: runs scope_state_on_payments().
CREATE OR REPLACE TRIGGER practice_payments_scope_ins AFTER INSERT ON practice_payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_payments();
