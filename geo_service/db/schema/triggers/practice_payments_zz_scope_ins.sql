-- Trigger practice_payments_zz_scope_ins on practice_payments: runs note_shared_change().
CREATE OR REPLACE TRIGGER practice_payments_zz_scope_ins AFTER INSERT ON practice_payments
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION note_shared_change();
