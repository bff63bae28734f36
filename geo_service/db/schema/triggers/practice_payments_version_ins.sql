-- Trigger practice_payments_version_ins on practice_payments: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_payments_version_ins AFTER INSERT ON practice_payments
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
