-- Trigger practice_payments_zz_scope_del on practice_payments: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_payments_zz_scope_del AFTER DELETE ON practice_payments
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
