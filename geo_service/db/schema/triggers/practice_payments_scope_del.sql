-- Trigger practice_payments_scope_del on practice_payments: runs scope_state_on_payments().
CREATE OR REPLACE TRIGGER practice_payments_scope_del AFTER DELETE ON practice_payments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_payments();
