-- Trigger audit_log_no_truncate on audit_log: runs audit_log_refuse_change().
CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_log_refuse_change();
