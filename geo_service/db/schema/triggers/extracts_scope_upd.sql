-- Trigger extracts_scope_upd on extracts: runs scope_state_on_extracts().
CREATE OR REPLACE TRIGGER extracts_scope_upd AFTER UPDATE ON extracts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION scope_state_on_extracts();
