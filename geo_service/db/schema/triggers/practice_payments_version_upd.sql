-- Trigger practice_payments_version_upd on practice_payments: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_payments_version_upd AFTER UPDATE ON practice_payments
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
