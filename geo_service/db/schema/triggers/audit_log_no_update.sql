-- Trigger audit_log_no_update on audit_log: runs audit_log_refuse_change().
CREATE OR REPLACE TRIGGER audit_log_no_update BEFORE DELETE OR UPDATE ON audit_log
    FOR EACH ROW
    EXECUTE FUNCTION audit_log_refuse_change();
