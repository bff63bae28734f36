-- Trigger practice_payments_version_del on practice_payments: runs bump_data_version().
CREATE OR REPLACE TRIGGER practice_payments_version_del AFTER DELETE ON practice_payments
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT
    EXECUTE FUNCTION bump_data_version();
